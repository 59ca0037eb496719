/**
 * A push-to-pull bridge: the hub pushes updates, graphql-ws pulls them as an async iterator
 * (a Repeater, the library Yoga's own subscriptions are built on). Bounded: a subscriber that
 * stops reading loses its oldest updates (a sliding buffer) rather than growing the process's
 * memory; the client refetches after a gap, as after a reconnect.
 */
import { Repeater, SlidingBuffer } from '@repeaterjs/repeater';

export interface Stream<T> extends AsyncIterableIterator<T> {
  push(value: T): void;
}

/** A sliding buffer that reports what it drops. */
class CountingSlidingBuffer extends SlidingBuffer {
  readonly onOverflow: () => void;

  constructor(capacity: number, onOverflow: () => void) {
    super(capacity);
    this.onOverflow = onOverflow;
  }

  override add(value: unknown): void {
    // A sliding buffer never reports itself full (it makes room instead): compare its length.
    if (this._q.length >= this._c) this.onOverflow();
    super.add(value);
  }
}

export function createStream<T>(options: { capacity: number; onOverflow: () => void; onClose: () => void }): Stream<T> {
  // A Repeater runs its executor on the first next(): until then, pushes wait in `early`
  // (bounded the same way), and a stream closed before it ever started still reports its close.
  const early: T[] = [];
  let push: ((value: T) => void) | undefined;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    push = undefined;
    options.onClose();
  };
  const repeater = new Repeater<T>(async (repeaterPush, stop) => {
    push = (value) => void repeaterPush(value);
    for (const value of early.splice(0)) push(value);
    await stop;
    close();
  }, new CountingSlidingBuffer(options.capacity, options.onOverflow));
  const finish = repeater.return.bind(repeater);
  return Object.assign(repeater, {
    push(value: T) {
      if (closed) return;
      if (push) return push(value);
      if (early.length >= options.capacity) {
        early.shift();
        options.onOverflow();
      }
      early.push(value);
    },
    return(value?: unknown) {
      close();
      return finish(value);
    },
  }) as unknown as Stream<T>;
}
