/**
 * The shape every entity workflow shares: register the lifecycle's handlers, create the row
 * (first run only), then live on timers and updates until closed, continuing-as-new with the
 * carried state when the run grows long.
 */
import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import { toFailure } from '../failures.ts';
import { CHANGES_PER_RUN, LifecycleMachine, initialState, type LifecycleDefinition, type LifecycleState } from './core.ts';
import { awaitCreatedUpdate, type Actor } from './messages.ts';
import type { LifecycleStatus } from '../../domain/lifecycles.ts';

/** What every entity workflow's input carries besides the entity's own creation data. */
export interface LifecycleInput<S extends LifecycleStatus = LifecycleStatus, F extends object = Readonly<Record<string, unknown>>> {
  readonly actor: Actor;
  /** The creating request's id: the same request delivered again is told `firstDelivery: false`. */
  readonly requestId?: string | undefined;
  /** State handed over by continue-as-new; absent on the first run. */
  readonly carried?: LifecycleState<S, F> | undefined;
  /** Accepted changes per run before continue-as-new (default CHANGES_PER_RUN; tests lower it). */
  readonly maxChangesPerRun?: number | undefined;
}

export interface CreatedRow<F extends object> {
  readonly ref: string;
  /** As stored: the initial status, or the current one when an earlier attempt created the row. */
  readonly status: string;
  readonly facts: Partial<F>;
  readonly assigneeId: string | null;
}

export async function runEntityLifecycle<S extends LifecycleStatus, F extends object>(options: {
  readonly entityId: string;
  readonly definition: LifecycleDefinition<S, F>;
  readonly input: LifecycleInput<S, F>;
  readonly now: string;
  /** Commits the entity's row (idempotent). */
  readonly create: () => Promise<CreatedRow<F>>;
  /** Entity-specific handlers beyond the shared ones. */
  readonly registerExtraHandlers?: (machine: LifecycleMachine<S, F>) => void;
  /** Calls continueAsNew with the entity's input and this carried state. */
  readonly continueAsNew: (carried: LifecycleState<S, F>) => Promise<never>;
}): Promise<void> {
  const { definition, input } = options;
  const machine = new LifecycleMachine<S, F>(
    definition,
    input.carried ?? initialState<S, F>(options.entityId, definition.lifecycle, options.now),
    input.maxChangesPerRun ?? CHANGES_PER_RUN,
  );
  let creationFailure: unknown;
  machine.registerHandlers();
  setHandler(awaitCreatedUpdate, async (requestId) => {
    await condition(() => machine.created || creationFailure !== undefined);
    if (creationFailure !== undefined) throw creationFailure;
    return { entityId: machine.state.entityId, ref: machine.state.ref as string, status: machine.state.status, firstDelivery: requestId === input.requestId };
  });
  options.registerExtraHandlers?.(machine);

  if (!input.carried) {
    try {
      const row = await options.create();
      if (!(definition.lifecycle.statuses as readonly string[]).includes(row.status)) throw new Error(`The store reported an unknown status ${row.status}.`);
      machine.markCreated({ ...row, status: row.status as S });
    } catch (error) {
      // E.g. a reference to a client that does not exist: the creating update reports it, and
      // this lifecycle ends without an entity.
      creationFailure = toFailure(error);
      await condition(allHandlersFinished);
      return;
    }
  }
  if ((await machine.run()) === 'continue') await options.continueAsNew(machine.state);
}
