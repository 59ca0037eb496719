/** Sign-in, session refresh, sign-out and the current user. */
import { requireViewer } from '../../auth/authorize.ts';
import type { Resolvers } from '../generated/types.ts';

export const authResolvers: Resolvers = {
  Query: {
    me: (_, __, ctx) => requireViewer(ctx),
  },
  Mutation: {
    login: (_, args, ctx) => ctx.sessions.login(args.email, args.password, ctx.client),
    refreshSession: (_, args, ctx) => ctx.sessions.refresh(args.refreshToken, ctx.client),
    logout: (_, args, ctx) => ctx.sessions.logout(args.refreshToken),
  },
};
