/**
 * A real graphql-ws client (the `ws` package as its WebSocket) for subscription tests: one socket
 * per call, with what it received, how it closed, and a wait until the server registered a
 * subscription (read from the API's /metrics, so no test sleeps and hopes).
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

export interface Received<T> {
  readonly data?: T | null;
  readonly errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

export interface TestSubscription<T> {
  /** Everything received so far, in order. */
  readonly received: Array<Received<T>>;
  /** Resolves with the first received payload matching, waiting up to timeoutMs. */
  waitFor(predicate: (value: Received<T>) => boolean, timeoutMs?: number): Promise<Received<T>>;
  /** Resolves when the server completes the subscription or it errors. */
  readonly ended: Promise<unknown>;
  dispose(): void;
}

export interface TestSocket {
  readonly client: Client;
  /** Resolves when acknowledged; rejects with the close if refused. */
  readonly connected: Promise<void>;
  /** Resolves with the socket's close code and reason. */
  readonly closed: Promise<CloseInfo>;
  subscribe<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): TestSubscription<T>;
  dispose(): Promise<void>;
}

export function wsUrlOf(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/graphql`;
}

/** Opens a socket right away; `authorization` is sent as connectionParams.authorization. */
export function openSocket(httpUrl: string, authorization?: string): TestSocket {
  let onClosed: (info: CloseInfo) => void = () => undefined;
  const closed = new Promise<CloseInfo>((resolve) => {
    onClosed = resolve;
  });
  let onConnected: () => void = () => undefined;
  let onRefused: (info: CloseInfo) => void = () => undefined;
  const connected = new Promise<void>((resolve, reject) => {
    onConnected = resolve;
    onRefused = reject;
  });
  connected.catch(() => undefined);
  const client = createClient({
    url: wsUrlOf(httpUrl),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: authorization === undefined ? {} : { authorization },
    on: {
      connected: () => onConnected(),
      closed: (event) => {
        const info = { code: (event as CloseInfo).code, reason: String((event as CloseInfo).reason) };
        onRefused(info);
        onClosed(info);
      },
    },
    // Errors surface through `closed`; without this the client rethrows them unhandled.
    onNonLazyError: () => undefined,
  });

  return {
    client,
    connected,
    closed,
    subscribe<T>(query: string, variables?: Record<string, unknown>): TestSubscription<T> {
      const received: Array<Received<T>> = [];
      const waiters = new Set<() => void>();
      let endedResolve: (value: unknown) => void = () => undefined;
      const ended = new Promise<unknown>((resolve) => {
        endedResolve = resolve;
      });
      const dispose = client.subscribe<T>({ query, variables }, {
        next: (value) => {
          received.push(value as Received<T>);
          for (const wake of waiters) wake();
        },
        error: (error) => {
          received.push({ errors: Array.isArray(error) ? (error as Received<T>['errors']) : [{ message: String((error as { reason?: string }).reason ?? error) }] });
          for (const wake of waiters) wake();
          endedResolve(error);
        },
        complete: () => endedResolve('complete'),
      });
      return {
        received,
        ended,
        dispose,
        waitFor(predicate, timeoutMs = 10_000) {
          return new Promise((resolve, reject) => {
            const check = () => {
              const found = received.find(predicate);
              if (!found) return false;
              clearTimeout(timer);
              waiters.delete(check);
              resolve(found);
              return true;
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              reject(new Error(`nothing matching within ${timeoutMs} ms; received ${JSON.stringify(received)}`));
            }, timeoutMs);
            if (!check()) waiters.add(check);
          });
        },
      };
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}

/** The API's open subscription count, from its /metrics. */
export async function openSubscriptions(httpUrl: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  return Number(/^virel_realtime_subscribers(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
}

/** Waits until the API has at least `count` open subscriptions. */
export async function untilSubscribed(httpUrl: string, count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await openSubscriptions(httpUrl)) < count) {
    if (Date.now() > deadline) throw new Error(`${httpUrl} did not reach ${count} subscriptions`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
