/** Sign-in, session refresh, sign-out and the current user. */
import { requireViewer } from '../../auth/authorize.ts';
import type { ApiContext } from '../context.ts';

export const authResolvers = {
  Query: {
    me: (_: unknown, __: unknown, ctx: ApiContext) => requireViewer(ctx.viewer),
  },
  Mutation: {
    login: (_: unknown, args: { email: string; password: string }, ctx: ApiContext) => ctx.sessions.login(args.email, args.password, ctx.client),
    refreshSession: (_: unknown, args: { refreshToken: string }, ctx: ApiContext) => ctx.sessions.refresh(args.refreshToken, ctx.client),
    logout: (_: unknown, args: { refreshToken: string }, ctx: ApiContext) => ctx.sessions.logout(args.refreshToken),
  },
};
