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

/**
 * Who owns the exception an SLA breach opens: whoever owned the breached item when it breached
 * (the operator who must see that it slipped), else whoever the escalation handed it to (an ops
 * manager), so the exception is never left in nobody's queue when someone is responsible.
 */
export function breachExceptionAssignee(owner: string | null, escalatedTo: string | null): string | null {
  return owner ?? escalatedTo;
}
