/** The Overview (schema/overview.graphql): owners' and ops managers' figures of the whole operation. */
import { invalidInput } from '../../../domain/errors.ts';
import { requirePermission } from '../../auth/authorize.ts';
import type { InquirySource, Resolvers } from '../generated/types.ts';
import { readOverview } from '../../read-models/overview.ts';

export const overviewResolvers: Resolvers = {
  Query: {
    async overview(_, args, ctx) {
      requirePermission(ctx, 'escalations.manage');
      const days = args.days ?? 14;
      if (!Number.isInteger(days) || days < 1 || days > 90) throw invalidInput('days', 'must be a whole number from 1 to 90');
      const read = await readOverview(ctx.em, days);
      return { ...read, inquiriesBySource: read.inquiriesBySource.map((s) => ({ ...s, source: s.source as InquirySource })), generatedAt: new Date() };
    },
  },
};
