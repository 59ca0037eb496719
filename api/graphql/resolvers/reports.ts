/**
 * CSV reports (issue 14 item 8): requesting one and following its progress. The CSV is
 * downloaded over HTTP (api/http/reports.ts). The right depends on the kind (domain/reports.ts).
 */
import { createReportService } from '../../../services/reports.ts';
import { requireViewer } from '../../auth/authorize.ts';
import type { ResolverContext } from '../context.ts';
import type { Resolvers } from '../generated/types.ts';
import { callerOf } from '../services.ts';

const reports = (ctx: ResolverContext) => createReportService({ em: ctx.em, temporal: ctx.temporal, sessions: ctx.sessions });

export const reportResolvers: Resolvers = {
  Query: {
    report: (_, args, ctx) => reports(ctx).view(callerOf(ctx, requireViewer(ctx)), args.id),
  },
  Mutation: {
    requestReport: (_, { input }, ctx) => reports(ctx).request(callerOf(ctx, requireViewer(ctx)), {
      kind: input.kind, from: input.from as Date, to: input.to as Date, granularity: input.granularity ?? 'day',
    }),
  },
  Report: {
    downloadUrl: (row) => `/api/v1/reports/${row.id}/csv`,
  },
};
