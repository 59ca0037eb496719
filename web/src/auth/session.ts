/**
 * The signed-in session in the browser. The access token lives in this module's memory only
 * (never localStorage or sessionStorage); the refresh token is an HttpOnly cookie the page cannot
 * read (api/http/web-session.ts). A reload restores the session by rotating the cookie. Refreshes
 * are serialised across tabs with a Web Lock, because a rotated refresh token presented twice ends
 * the whole session. Sign-out in one tab signs out every tab (BroadcastChannel).
 */

export interface SignedInUser {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
}

export interface TemporalUi {
  readonly url: string;
  readonly namespace: string;
}

export type SessionState =
  | { readonly status: 'restoring' }
  | { readonly status: 'signed-out'; readonly message: string | null }
  | { readonly status: 'signed-in'; readonly user: SignedInUser; readonly temporalUi: TemporalUi | null };

interface SessionAnswer {
  accessToken: string;
  accessTokenExpiresAt: string;
  user: SignedInUser;
  temporalUi: TemporalUi | null;
}

const BASE = '/api/v1/web-session';
const HEADERS = { 'content-type': 'application/json', 'x-virel-web': '1' };
/** Refresh this long before the access token expires. */
const REFRESH_AHEAD_MS = 60_000;

let state: SessionState = { status: 'restoring' };
let accessToken: string | null = null;
let expiresAt = 0;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let inflight: Promise<string | null> | null = null;
const listeners = new Set<() => void>();
const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('virel-session');

function setState(next: SessionState): void {
  state = next;
  for (const listener of listeners) listener();
}

function adopt(answer: SessionAnswer): void {
  accessToken = answer.accessToken;
  expiresAt = Date.parse(answer.accessTokenExpiresAt);
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refresh(), Math.max(5_000, expiresAt - Date.now() - REFRESH_AHEAD_MS));
  if (state.status !== 'signed-in' || state.user.id !== answer.user.id) {
    setState({ status: 'signed-in', user: answer.user, temporalUi: answer.temporalUi });
  }
}

function drop(message: string | null): void {
  accessToken = null;
  expiresAt = 0;
  clearTimeout(refreshTimer);
  setState({ status: 'signed-out', message });
}

async function post(path: string, body?: unknown): Promise<Response> {
  return fetch(`${BASE}${path}`, { method: 'POST', headers: HEADERS, credentials: 'same-origin', body: JSON.stringify(body ?? {}) });
}

async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    return body.error?.message ?? `Sign-in failed (${response.status}).`;
  } catch {
    return `Sign-in failed (${response.status}).`;
  }
}

async function rotate(): Promise<string | null> {
  const run = async () => {
    const response = await post('/refresh');
    if (!response.ok) return null;
    const answer = (await response.json()) as SessionAnswer;
    adopt(answer);
    return answer.accessToken;
  };
  // One refresh at a time across tabs (the cookie is shared; a spent token must not be sent twice).
  return navigator.locks ? navigator.locks.request('virel-session-refresh', run) : run();
}

/** A fresh access token, or null when the session has ended (then the sign-in form shows). */
export function refresh(): Promise<string | null> {
  inflight ??= rotate()
    .then((token) => {
      if (!token && state.status !== 'signed-out') drop(state.status === 'signed-in' ? 'Your session has ended. Sign in again.' : null);
      return token;
    })
    .catch(() => {
      // The network is down, not the session: keep what we have and try again later.
      return accessToken;
    })
    .finally(() => {
      inflight = null;
    });
  return inflight;
}

export const session = {
  get state(): SessionState {
    return state;
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  /** The current access token (in memory). */
  token(): string | null {
    return accessToken;
  },
  /** A token valid for at least a few seconds, refreshed first if needed. */
  async freshToken(): Promise<string | null> {
    if (accessToken && expiresAt - Date.now() > 10_000) return accessToken;
    return refresh();
  },
  refresh,
  /** On load: a refresh cookie, if any, restores the session without asking for a password. */
  async restore(): Promise<void> {
    const token = await refresh();
    if (!token && state.status === 'restoring') drop(null);
  },
  async signIn(email: string, password: string): Promise<string | null> {
    const response = await post('', { email, password });
    if (!response.ok) return errorMessage(response);
    adopt((await response.json()) as SessionAnswer);
    channel?.postMessage('signed-in');
    return null;
  },
  /** Ends this session, or with `everywhere` every session of the user on every device. */
  async signOut(everywhere = false): Promise<void> {
    await post('/logout', { everywhere }).catch(() => undefined);
    drop(everywhere ? 'Signed out everywhere.' : 'Signed out.');
    channel?.postMessage('signed-out');
  },
};

channel?.addEventListener('message', (event: MessageEvent) => {
  if (event.data === 'signed-out' && state.status === 'signed-in') drop('Signed out in another tab.');
  if (event.data === 'signed-in' && state.status !== 'signed-in') void refresh();
});
