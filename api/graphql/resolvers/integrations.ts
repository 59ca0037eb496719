/**
 * Integrations: reads (integrations.read; settings in clear, secrets only as set / not set) and
 * the integration log; commands (create, update, test connection, partner API keys) are
 * services/integrations.ts (integrations.write: Owner, Integrations Admin).
 */
import { Integration, IntegrationLog } from '../../../db/entities/index.ts';
import { INTEGRATION_LOG_KINDS } from '../../../domain/integrations.ts';
import { viewOf, type IntegrationChange } from '../../../services/integrations.ts';
import { requirePermission } from '../../auth/authorize.ts';
import { pageOf } from '../connection.ts';
import type { IntegrationValueInput, Resolvers } from '../generated/types.ts';
import { callerOf, servicesOf } from '../services.ts';
import { invalidInput, isUuid } from './operations-support.ts';

/** Values arrive as JSON text; a bare word that is not JSON is taken as a string. */
function valuesOf(field: string, input: readonly IntegrationValueInput[] | null | undefined): Record<string, unknown> | undefined {
  if (!input) return undefined;
  const out: Record<string, unknown> = {};
  input.forEach((entry, i) => {
    if (entry.name in out) throw invalidInput(`${field}.${i}.name`, `${entry.name} is given twice`);
    if (entry.value === null || entry.value === undefined) {
      out[entry.name] = null;
      return;
    }
    try {
      out[entry.name] = JSON.parse(entry.value);
    } catch {
      out[entry.name] = entry.value;
    }
  });
  return out;
}

const changeOf = (input: { name?: string | null; status?: IntegrationChange['status'] | null; settings?: readonly IntegrationValueInput[] | null; secrets?: readonly IntegrationValueInput[] | null }): IntegrationChange => ({
  name: input.name ?? undefined,
  status: input.status ?? undefined,
  settings: valuesOf('settings', input.settings),
  secrets: valuesOf('secrets', input.secrets),
});

export const integrationResolvers: Resolvers = {
  Query: {
    async integrations(_, args, ctx) {
      requirePermission(ctx, 'integrations.read');
      const page = await pageOf(ctx.em, Integration, args);
      return { ...page, edges: page.edges.map((e) => ({ ...e, node: viewOf(e.node) })) };
    },
    async integration(_, args, ctx) {
      requirePermission(ctx, 'integrations.read');
      const row = isUuid(args.id) ? await ctx.em.findOne(Integration, { id: args.id }) : null;
      return row ? viewOf(row) : null;
    },
    async integrationLogs(_, args, ctx) {
      requirePermission(ctx, 'integrations.read');
      return pageOf(ctx.em, IntegrationLog, args, (where) => {
        if (args.integrationId) {
          if (!isUuid(args.integrationId)) throw invalidInput('integrationId', 'must be an id');
          where({ integration: args.integrationId });
        }
        if (args.kind) {
          if (!(INTEGRATION_LOG_KINDS as readonly string[]).includes(args.kind)) throw invalidInput('kind', INTEGRATION_LOG_KINDS.join(', '));
          where({ kind: args.kind });
        }
      }, { populate: ['integration'] });
    },
  },
  Mutation: {
    async createIntegration(_, args, ctx) {
      const viewer = requirePermission(ctx, 'integrations.write');
      return servicesOf(ctx).integrations.create(callerOf(ctx, viewer), { ...changeOf(args.input), code: args.input.code, name: args.input.name, type: args.input.type });
    },
    async updateIntegration(_, args, ctx) {
      const viewer = requirePermission(ctx, 'integrations.write');
      return servicesOf(ctx).integrations.update(callerOf(ctx, viewer), args.id, changeOf(args.input));
    },
    async testIntegrationConnection(_, args, ctx) {
      const viewer = requirePermission(ctx, 'integrations.write');
      return servicesOf(ctx).integrations.testConnection(callerOf(ctx, viewer), args.id);
    },
    async issuePartnerApiKey(_, args, ctx) {
      const viewer = requirePermission(ctx, 'integrations.write');
      return servicesOf(ctx).integrations.issuePartnerApiKey(callerOf(ctx, viewer), args.id);
    },
  },
  Integration: {
    settings: (view) => Object.entries(view.settings).map(([name, value]) => ({ name, value: JSON.stringify(value) })),
  },
  IntegrationLogEntry: {
    integrationId: (row) => row.integration.id,
    integrationCode: (row) => row.integration.code,
    detail: (row) => (row.detail ? JSON.stringify(row.detail) : null),
    webhookId: (row) => row.webhookId ?? null,
    at: (row) => row.createdAt,
  },
};
