/**
 * The realtime connection's state as the page shows it: connecting, live, or reconnecting (the
 * list may be stale: the badge says so). `epoch` counts reconnects; views refetch when it moves,
 * which is the catch-up on what was missed while the socket was down.
 */
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting';

export interface ConnectionState {
  readonly status: ConnectionStatus;
  /** Reconnects so far (0 before the first drop). */
  readonly epoch: number;
  /** When the last catch-up happened (after a reconnect). */
  readonly caughtUpAt: number | null;
}

let state: ConnectionState = { status: 'connecting', epoch: 0, caughtUpAt: null };
const listeners = new Set<() => void>();

export const connection = {
  get state(): ConnectionState {
    return state;
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  set(status: ConnectionStatus, reconnected = false): void {
    if (state.status === status && !reconnected) return;
    state = reconnected ? { status, epoch: state.epoch + 1, caughtUpAt: state.caughtUpAt } : { ...state, status };
    for (const listener of listeners) listener();
  },
  caughtUp(at: number): void {
    state = { ...state, caughtUpAt: at };
    for (const listener of listeners) listener();
  },
};
