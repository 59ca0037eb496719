/** What `npm start` prints once everything answers: where to go, and how to sign in (dev). */
import type { DemoCredential } from '../db/seed/demo-data.ts';

export function printBanner(info: {
  apiUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  namespace: string;
  workerMetricsAddress: string | undefined;
  /** The development mail catcher's inbox, when `npm start` runs one. */
  mailInboxUrl?: string | undefined;
  /** The API's metrics endpoint and what it asks for (platform/config.ts MetricsAccess). */
  apiMetrics: { readonly address: { readonly host: string; readonly port: number } | undefined; readonly token: string | undefined };
  /** Where the Stripe stand-in runs (no STRIPE_SECRET_KEY). */
  stripeStandInUrl?: string | undefined;
  credentials: readonly DemoCredential[];
  startupSeconds: number;
}): void {
  const lines = [
    '',
    `Virel Ops is running (started in ${info.startupSeconds.toFixed(1)} s). Ctrl-C stops everything.`,
    '',
    `  Action Center     ${info.apiUrl}/`,
    `  GraphQL console   ${info.apiUrl}/graphql`,
    `  Health            ${info.apiUrl}/api/v1/health`,
    `  Metrics (API)     ${info.apiMetrics.address ? `http://${info.apiMetrics.address.host}:${info.apiMetrics.address.port}` : info.apiUrl}/metrics${info.apiMetrics.token ? '  (Authorization: Bearer $METRICS_TOKEN)' : ''}`,
    info.workerMetricsAddress ? `  Metrics (worker)  http://${info.workerMetricsAddress}/metrics` : undefined,
    info.temporalUiUrl
      ? `  Temporal UI       ${info.temporalUiUrl}/namespaces/${info.namespace}/workflows`
      : `  Temporal UI       (external server ${info.temporalAddress}; set TEMPORAL_UI_URL to print its link)`,
    `  Temporal server   ${info.temporalAddress} (namespace ${info.namespace})`,
    info.mailInboxUrl ? `  Mail inbox        ${info.mailInboxUrl} (every email the platform sends)` : undefined,
    `  Stripe webhooks   ${info.apiUrl}/api/v1/payments/webhook/stripe`,
    info.stripeStandInUrl ? `  Stripe stand-in   ${info.stripeStandInUrl} (localstripe; set STRIPE_SECRET_KEY for Stripe itself)` : undefined,
  ];
  if (info.credentials.length > 0) {
    lines.push('', '  Demo users (development only):');
    for (const c of info.credentials) lines.push(`    ${c.role.padEnd(19)} ${c.email.padEnd(26)} ${c.password}`);
  }
  lines.push('');
  process.stdout.write(`${lines.filter((l) => l !== undefined).join('\n')}\n`);
}
