/** Sign-in, session refresh, sign-out and the current user. */
import { GraphQLError } from 'graphql';
import type { ApiContext } from '../context.ts';

export function requireViewer(ctx: ApiContext) {
  if (!ctx.viewer) throw new GraphQLError('Sign in first: send Authorization: Bearer <access token>.', { extensions: { code: 'UNAUTHENTICATED' } });
  return ctx.viewer;
}

export const authResolvers = {
  Query: {
    me: (_: unknown, __: unknown, ctx: ApiContext) => requireViewer(ctx),
  },
  Mutation: {
    login: (_: unknown, args: { email: string; password: string }, ctx: ApiContext) => ctx.sessions.login(args.email, args.password, ctx.client),
    refreshSession: (_: unknown, args: { refreshToken: string }, ctx: ApiContext) => ctx.sessions.refresh(args.refreshToken, ctx.client),
    logout: (_: unknown, args: { refreshToken: string }, ctx: ApiContext) => ctx.sessions.logout(args.refreshToken),
  },
};
