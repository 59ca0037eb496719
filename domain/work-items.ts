/**
 * Work-item rules beyond the transition tables (seed §4, §5): completing a task walks the
 * table (open → in_progress → done: the seed has no open → done), so "complete" is one command
 * that may take two steps, done atomically by the task's workflow.
 */
import { assertTransition } from './transitions.ts';
import { taskLifecycle, type TaskStatus } from './lifecycles.ts';

/** The statuses a task passes through to be done from `from`; INVALID_TRANSITION if it cannot. */
export function completionSteps(from: TaskStatus): readonly TaskStatus[] {
  if (from === 'open') return ['in_progress', 'done'];
  assertTransition(taskLifecycle, from, 'done');
  return ['done'];
}
