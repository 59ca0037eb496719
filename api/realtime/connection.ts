/**
 * graphql-ws authentication: the access token arrives once, in connectionParams.authorization,
 * and the connection's viewer is every subscription's viewer. A connection without a valid token
 * of an open session is closed with 4401 (graphql-ws clients do not retry it: sign in or refresh
 * first). An open socket is closed with 4403 when its session is revoked (heard on
 * virel_sessions, from any API process) and when its access token expires: graphql-ws clients
 * retry 4403, calling connectionParams again, so a client whose connectionParams returns its
 * current (refreshed) token reconnects seamlessly, and one whose session ended gets 4401.
 * Closing at expiry keeps the socket's authority exactly as long as the token's.
 */
import { decodeJwt } from 'jose';
import type { WebSocket } from 'ws';
import type { Sessions, Viewer } from '../auth/sessions.ts';
import { bearerToken, checkAccessToken } from '../auth/tokens.ts';
import type { RealtimeHub } from './hub.ts';

export const UNAUTHORIZED = 4401;
export const TOKEN_EXPIRED = { code: 4403, reason: 'access token expired' } as const;

/** What a subscription resolver needs from its socket. */
export interface RealtimeConnection {
  readonly viewer: Viewer;
  readonly hub: RealtimeHub;
}

/** The key under which the connection rides in the GraphQL context of a WebSocket operation. */
export const REALTIME_CONTEXT_KEY = 'realtimeConnection';

/** The socket's connection, or undefined for an operation over HTTP. */
export function realtimeConnectionOf(context: object): RealtimeConnection | undefined {
  return (context as { [REALTIME_CONTEXT_KEY]?: RealtimeConnection })[REALTIME_CONTEXT_KEY];
}

export function createConnectionAuth(deps: { sessions: Sessions; key: Uint8Array; hub: RealtimeHub }) {
  const connections = new WeakMap<WebSocket, RealtimeConnection>();

  function refuse(socket: WebSocket, reason: string): false {
    socket.close(UNAUTHORIZED, reason);
    return false;
  }

  return {
    connectionOf: (socket: WebSocket) => connections.get(socket),

    /** graphql-ws onConnect: true accepts; false after closing the socket with 4401. */
    async onConnect(socket: WebSocket, connectionParams: Readonly<Record<string, unknown>> | undefined): Promise<boolean> {
      // Case-insensitive, like the HTTP header it stands for (consoles send their headers pane as is).
      const header = Object.entries(connectionParams ?? {}).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
      const token = bearerToken(header);
      if (!token) return refuse(socket, 'Unauthorized: missing: send connectionParams.authorization = "Bearer <access token>"');
      const check = await checkAccessToken(token, deps.key);
      // The reason code leads, as in UNAUTHENTICATED's extensions.reason: token_expired means refresh.
      if ('refused' in check) return refuse(socket, `Unauthorized: ${check.refused}: ${check.refused === 'token_expired' ? 'the access token has expired' : 'the access token is not valid'}`);
      const { claims } = check;
      // Tracked before the session check: a revocation committed meanwhile still closes it.
      const untrack = deps.hub.trackSocket({
        sessionId: claims.sessionId,
        userId: claims.userId,
        close: (code, reason) => socket.close(code, reason),
      });
      socket.once('close', untrack);
      const viewer = await deps.sessions.viewer(token);
      if (!viewer) {
        untrack();
        return refuse(socket, 'Unauthorized: token_revoked: the session has ended');
      }
      if (socket.readyState !== socket.OPEN) return false;
      const expiresAt = (decodeJwt(token).exp ?? 0) * 1000;
      const expiry = setTimeout(() => socket.close(TOKEN_EXPIRED.code, TOKEN_EXPIRED.reason), Math.max(0, expiresAt - Date.now()));
      socket.once('close', () => clearTimeout(expiry));
      connections.set(socket, { viewer, hub: deps.hub });
      return true;
    },
  };
}
