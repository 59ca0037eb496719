/** What `npm start` prints once everything answers: where to go, and how to sign in (dev). */
import type { DemoCredential } from '../db/seed/demo-data.ts';

export function printBanner(info: {
  apiUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  namespace: string;
  workerMetricsAddress: string | undefined;
  credentials: readonly DemoCredential[];
  startupSeconds: number;
}): void {
  const lines = [
    '',
    `Virel Ops is running (started in ${info.startupSeconds.toFixed(1)} s). Ctrl-C stops everything.`,
    '',
    `  GraphQL console   ${info.apiUrl}/graphql`,
    `  Health            ${info.apiUrl}/api/v1/health`,
    `  Metrics (API)     ${info.apiUrl}/metrics`,
    info.workerMetricsAddress ? `  Metrics (worker)  http://${info.workerMetricsAddress}/metrics` : undefined,
    info.temporalUiUrl
      ? `  Temporal UI       ${info.temporalUiUrl}/namespaces/${info.namespace}/workflows`
      : `  Temporal UI       (external server ${info.temporalAddress}; set TEMPORAL_UI_URL to print its link)`,
    `  Temporal server   ${info.temporalAddress} (namespace ${info.namespace})`,
  ];
  if (info.credentials.length > 0) {
    lines.push('', '  Demo users (development only):');
    for (const c of info.credentials) lines.push(`    ${c.role.padEnd(19)} ${c.email.padEnd(26)} ${c.password}`);
  }
  lines.push('');
  process.stdout.write(`${lines.filter((l) => l !== undefined).join('\n')}\n`);
}
