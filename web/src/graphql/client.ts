/**
 * The GraphQL client: urql with graphcache (a normalized cache: an entity refetched anywhere,
 * e.g. a booking's status in its card, is the same record everywhere it shows), the access token
 * from memory on every request and a refresh-and-retry on UNAUTHENTICATED (@urql/exchange-auth),
 * an Idempotency-Key on every mutation (one per action, kept across that action's retries), and
 * subscriptions over graphql-ws on the same origin, whose connection state the page shows.
 */
import { Client, fetchExchange, makeOperation, mapExchange, subscriptionExchange, type Exchange, type Operation } from '@urql/core';
import { authExchange } from '@urql/exchange-auth';
import { cacheExchange } from '@urql/exchange-graphcache';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { session } from '../auth/session.ts';
import { connection } from './connection.ts';

/** Types without an id of their own are embedded in their parent (graphcache keys). */
const EMBEDDED = [
  'ActionCenter', 'ActionItemGroup', 'ActionCenterCounts', 'QuickAction', 'SearchResult', 'SearchGroup', 'PageInfo',
  'TransitionPayload', 'ChangePayload', 'TaskTransitionPayload', 'ActionItemConnection', 'ActionItemEdge',
  'BookingConnection', 'BookingEdge', 'InquiryConnection', 'InquiryEdge', 'TaskConnection', 'TaskEdge',
  'ExceptionConnection', 'ExceptionEdge', 'BookingTimelineConnection', 'BookingTimelineEdge', 'PaymentConnection',
  'PaymentEdge', 'AuditEntryConnection', 'AuditEntryEdge', 'UserConnection', 'UserEdge', 'AutomationExecutionConnection',
  'AutomationExecutionEdge',
] as const;

const keys: Record<string, (data: Record<string, unknown>) => string | null> = Object.fromEntries(EMBEDDED.map((t) => [t, () => null]));
keys.ActionEntity = (e) => `${String(e.type)}:${String(e.id)}`;
keys.SearchHit = (h) => `${String(h.kind)}:${String(h.id)}`;
keys.EntityUpdate = (u) => String(u.eventId);
keys.Role = (r) => String(r.code);

/** One key per mutation operation, created once, so a retry (after a token refresh) reuses it. */
const idempotencyExchange: Exchange = mapExchange({
  onOperation(operation: Operation) {
    if (operation.kind !== 'mutation') return operation;
    const context = operation.context as typeof operation.context & { idempotencyKey?: string };
    const key = context.idempotencyKey ?? crypto.randomUUID();
    const headers = { ...(context.fetchOptions as RequestInit | undefined)?.headers as Record<string, string> | undefined, 'idempotency-key': key };
    return makeOperation(operation.kind, operation, { ...context, idempotencyKey: key, fetchOptions: { ...(context.fetchOptions as RequestInit | undefined), headers } });
  },
});

function isUnauthenticated(error: { graphQLErrors: ReadonlyArray<{ extensions?: Record<string, unknown> }>; response?: { status?: number } }): boolean {
  return error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED') || error.response?.status === 401;
}

export interface AppClient {
  readonly client: Client;
  dispose(): void;
}

export function createAppClient(): AppClient {
  const url = new URL('/graphql', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  let connectedBefore = false;
  const ws: WsClient = createWsClient({
    url: url.toString(),
    lazy: false,
    // A function: every (re)connect sends the current token, refreshed when needed.
    connectionParams: async () => ({ authorization: `Bearer ${(await session.freshToken()) ?? ''}` }),
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => session.state.status === 'signed-in',
    retryWait: async (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 300 * 2 ** retries) + Math.random() * 300)),
    keepAlive: 10_000,
    on: {
      connecting: () => connection.set(connectedBefore ? 'reconnecting' : 'connecting'),
      connected: () => {
        connection.set('live', connectedBefore);
        connectedBefore = true;
      },
      closed: (event) => {
        connection.set(connectedBefore ? 'reconnecting' : 'connecting');
        // 4401 / 4403: the token expired or the session ended. Refreshing gets a new token, or
        // (session over) shows the sign-in form at the same URL.
        const code = (event as { code?: number } | undefined)?.code;
        if (code === 4401 || code === 4403) void session.refresh();
      },
    },
  });
  const client = new Client({
    url: '/graphql',
    requestPolicy: 'cache-and-network',
    exchanges: [
      cacheExchange({ keys }),
      idempotencyExchange,
      authExchange(async (utils) => ({
        addAuthToOperation(operation) {
          const token = session.token();
          return token ? utils.appendHeaders(operation, { authorization: `Bearer ${token}` }) : operation;
        },
        didAuthError: (error) => isUnauthenticated(error),
        willAuthError: () => !session.token(),
        async refreshAuth() {
          await session.refresh();
        },
      })),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const dispose = ws.subscribe(input, sink);
              return { unsubscribe: dispose };
            },
          };
        },
      }),
    ],
  });
  return {
    client,
    dispose() {
      void ws.dispose();
    },
  };
}
