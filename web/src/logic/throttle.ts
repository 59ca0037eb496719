/**
 * A refresh that runs at most once per interval: at once when it has been quiet (leading), and
 * once more at the end of the interval when more requests came meanwhile (trailing). A burst of
 * live updates costs at most two queries, and the last change of a burst is always shown (a
 * throttle that only drops requests leaves the screen on the burst's first state). Pure: the
 * page passes the real timers, tests a clock of their own.
 */

export interface Timers {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class Throttle {
  private lastRun = Number.NEGATIVE_INFINITY;
  private trailing: unknown = null;
  private readonly run: () => void;
  private readonly intervalMs: number;
  private readonly timers: Timers;

  constructor(run: () => void, intervalMs: number, timers: Timers = REAL_TIMERS) {
    this.run = run;
    this.intervalMs = intervalMs;
    this.timers = timers;
  }

  /** Asks for a refresh: now if the last one is an interval old, else once at the interval's end. */
  request(): void {
    if (this.trailing !== null) return;
    const wait = this.lastRun + this.intervalMs - this.timers.now();
    if (wait <= 0) {
      this.fire();
      return;
    }
    this.trailing = this.timers.setTimeout(() => {
      this.trailing = null;
      this.fire();
    }, wait);
  }

  /** Drops a pending trailing refresh (the view is gone). */
  dispose(): void {
    if (this.trailing !== null) this.timers.clearTimeout(this.trailing);
    this.trailing = null;
  }

  private fire(): void {
    this.lastRun = this.timers.now();
    this.run();
  }
}
