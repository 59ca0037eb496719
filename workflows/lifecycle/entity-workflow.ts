/**
 * The shape every entity workflow shares: register the lifecycle's handlers, create the row
 * (first run only), then live on timers and updates until closed, continuing-as-new with the
 * carried state when the run grows long.
 */
import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import { CHANGES_PER_RUN, LifecycleMachine, initialState, toFailure, type LifecycleDefinition, type LifecycleState } from './core.ts';
import { awaitCreatedUpdate, type Actor } from './messages.ts';

/** What every entity workflow's input carries besides the entity's own creation data. */
export interface LifecycleInput {
  readonly actor: Actor;
  /** The creating request's id: the same request delivered again is told `firstDelivery: false`. */
  readonly requestId?: string | undefined;
  /** State handed over by continue-as-new; absent on the first run. */
  readonly carried?: LifecycleState | undefined;
  /** Accepted changes per run before continue-as-new (default CHANGES_PER_RUN; tests lower it). */
  readonly maxChangesPerRun?: number | undefined;
}

export interface CreatedRow {
  readonly ref: string;
  readonly status: string;
  readonly facts: Record<string, unknown>;
  readonly assigneeId: string | null;
}

export async function runEntityLifecycle(options: {
  readonly entityId: string;
  readonly definition: LifecycleDefinition;
  readonly input: LifecycleInput;
  readonly now: string;
  /** Commits the entity's row (idempotent). */
  readonly create: () => Promise<CreatedRow>;
  /** Entity-specific handlers beyond the shared ones. */
  readonly registerExtraHandlers?: (machine: LifecycleMachine) => void;
  /** Calls continueAsNew with the entity's input and this carried state. */
  readonly continueAsNew: (carried: LifecycleState) => Promise<never>;
}): Promise<void> {
  const { definition, input } = options;
  const machine = new LifecycleMachine(
    definition,
    input.carried ?? initialState(options.entityId, definition.lifecycle, options.now),
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
      machine.state.status = row.status;
      machine.markCreated(row.ref, row.facts, row.assigneeId);
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
