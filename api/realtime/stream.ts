/**
 * A push-to-pull bridge: the hub pushes updates, graphql-ws pulls them as an async iterator.
 * Bounded: a subscriber that stops reading loses its oldest updates rather than growing the
 * process's memory (the client refetches after a gap, as after a reconnect).
 */
export interface Stream<T> extends AsyncIterableIterator<T> {
  push(value: T): void;
}

export function createStream<T>(options: { capacity: number; onOverflow: () => void; onClose: () => void }): Stream<T> {
  const buffer: T[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | undefined;
  let closed = false;

  const close = () => {
    if (closed) return;
    closed = true;
    buffer.length = 0;
    waiting?.({ value: undefined, done: true });
    waiting = undefined;
    options.onClose();
  };

  const stream: Stream<T> = {
    push(value) {
      if (closed) return;
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value, done: false });
        return;
      }
      if (buffer.length >= options.capacity) {
        buffer.shift();
        options.onOverflow();
      }
      buffer.push(value);
    },
    next() {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift() as T, done: false });
      if (closed) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return() {
      close();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error: unknown) {
      close();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}
