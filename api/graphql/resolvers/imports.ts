/**
 * CSV imports (issue 14 item 8): an import's progress and problems, and applying it once its
 * dry run is clean. The file itself arrives over HTTP (api/http/imports.ts). The right needed is
 * the write right of the import's kind (services/imports.ts decides, from domain/imports.ts).
 */
import { createImportService } from '../../../services/imports.ts';
import { requireViewer } from '../../auth/authorize.ts';
import type { ResolverContext } from '../context.ts';
import type { Resolvers } from '../generated/types.ts';
import { callerOf } from '../services.ts';

const imports = (ctx: ResolverContext) => createImportService({ em: ctx.em, temporal: ctx.temporal, sessions: ctx.sessions });

export const importResolvers: Resolvers = {
  Query: {
    dataImport: (_, args, ctx) => imports(ctx).progress(callerOf(ctx, requireViewer(ctx)), args.id),
  },
  Mutation: {
    async applyDataImport(_, args, ctx) {
      const caller = callerOf(ctx, requireViewer(ctx));
      await imports(ctx).requestApply(caller, args.id);
      return imports(ctx).progress(caller, args.id);
    },
  },
};
