/** What every benchmark shares: percentiles, rounding, the machine line and merging results. */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

export const round = (n: number): number => Math.round(n * 100) / 100;

export const log = (msg: string): void => console.log(`[bench] ${msg}`);

/** Runs `run` `count` times one after another; the milliseconds of each. */
export async function timedRuns(count: number, run: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await run(i);
    out.push(performance.now() - start);
  }
  return out;
}

/** The machine a run measured, as recorded beside its figures: cores, CPU, memory, Node, and what ran. */
export function machine(servers: string): string {
  return `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${servers}`;
}

/** Read-modify-write of a results file that several benches write keys into. */
export async function mergeResults(file: string, results: Record<string, unknown>): Promise<void> {
  const existing = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Record<string, unknown>;
  await writeFile(file, `${JSON.stringify({ ...existing, ...results }, null, 2)}\n`);
}
