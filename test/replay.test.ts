/**
 * Replays recorded histories of every lifecycle workflow (test/histories/, recorded with
 * `npm run record-histories`) through the current workflow code. A change that would break a
 * running workflow on deploy (non-determinism) fails here. Make such changes replay-safe with
 * `patched()` (or worker versioning) instead of re-recording.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { createRequire } from 'node:module';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { PROJECT_ROOT } from '../launcher/temporal-binaries.ts';
import { WORKFLOWS_PATH } from '../worker/run.ts';

const dir = path.join(PROJECT_ROOT, 'test', 'histories');
const NON_DETERMINISTIC_WORKFLOWS = createRequire(import.meta.url).resolve('./fixtures/nondeterministic-workflows.ts');
const readHistory = (file: string) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { events: Array<{ eventType: string }> };
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('replay of recorded histories', () => {
  test('a history exists for every lifecycle workflow', () => {
    expect(files).toEqual(['booking.json', 'exception.json', 'inquiry.json', 'task.json']);
  });

  test.each(files)('%s replays deterministically through the current code', async (file) => {
    const history = readHistory(file);
    // The recording is a real lifecycle: started, with accepted updates and activities.
    expect(history.events.length).toBeGreaterThan(20);
    await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history, `replay-${file}`)).resolves.toBeUndefined();
  });

  test('a non-deterministic change fails replay with a DeterminismViolationError', async () => {
    // The same workflow type (taskLifecycle), changed to start a timer before its first activity.
    const replay = Worker.runReplayHistory({ workflowsPath: NON_DETERMINISTIC_WORKFLOWS }, readHistory('task.json'), 'replay-non-deterministic');
    await expect(replay).rejects.toBeInstanceOf(DeterminismViolationError);
    await expect(replay).rejects.toThrow(/nondetermin/i);
  });
});
