/** The subscriber stream (api/realtime/stream.ts): bounded, ordered, closes once. */
import { describe, expect, test } from '@jest/globals';
import { createStream } from '../api/realtime/stream.ts';

function probe(capacity: number) {
  const counts = { dropped: 0, closed: 0 };
  const stream = createStream<number>({ capacity, onOverflow: () => counts.dropped++, onClose: () => counts.closed++ });
  return { stream, counts };
}

describe('subscriber stream', () => {
  test('keeps updates pushed before the first read, in order, dropping the oldest beyond its capacity', async () => {
    const { stream, counts } = probe(3);
    for (const n of [1, 2, 3, 4, 5]) stream.push(n);
    expect(counts.dropped).toBe(2);
    expect((await stream.next()).value).toBe(3);
    expect((await stream.next()).value).toBe(4);
    expect((await stream.next()).value).toBe(5);
  });

  test('a waiting reader gets the next push; a slow reader loses the oldest and they are counted', async () => {
    const { stream, counts } = probe(2);
    const pending = stream.next();
    stream.push(1);
    expect((await pending).value).toBe(1);
    for (const n of [2, 3, 4, 5]) stream.push(n);
    expect(counts.dropped).toBe(2);
    expect((await stream.next()).value).toBe(4);
    expect((await stream.next()).value).toBe(5);
  });

  test('return ends the stream and reports the close once, started or not', async () => {
    const started = probe(2);
    const pending = started.stream.next();
    await started.stream.return?.();
    expect((await pending).done).toBe(true);
    expect((await started.stream.next()).done).toBe(true);
    started.stream.push(1);
    expect(started.counts.closed).toBe(1);

    const idle = probe(2);
    await idle.stream.return?.();
    expect(idle.counts.closed).toBe(1);
    expect((await idle.stream.next()).done).toBe(true);
  });
});
