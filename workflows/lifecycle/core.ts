/**
 * The lifecycle core every entity workflow (inquiry, booking, task, exception) runs on: a
 * plain state object plus the handlers that change it.
 *
 * - Transitions arrive as the `transition` Update. Its validator checks the domain tables and
 *   guards before anything reaches history; the handler re-checks under a FIFO mutex (updates
 *   run concurrently; a `condition(() => !busy)` would wake every waiter at once) and runs ONE
 *   idempotent activity that commits row + audit + timeline + event.
 * - The state is typed per entity (status union, facts) and changed only through the
 *   machine's methods: entity workflows read `state`, they never assign to it.
 * - Every change carries a caller's transition id. Applied ids are kept (bounded) in the state
 *   and carried across continue-as-new, since Temporal de-duplicates Update ids within one run
 *   only; older ids are caught by the database's unique (entity, transition id) constraint.
 * - Timers are derived from the state (`definition.timers`) and recomputed after every change,
 *   so a transition that makes a timer moot cancels it and one that moves a time resets it.
 * - The run continues-as-new well before the server's per-run limits, once handlers finished.
 * - Every activity is given the workflow's time of the change (`at`), so deadlines stored in the
 *   read model and the timers that enforce them come from one clock.
 */
import {
  allHandlersFinished,
  condition,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { Mutex } from 'async-mutex';
import { DomainError } from '../../domain/errors.ts';
import { toFailure } from '../failures.ts';
import { assertGuards, assertTransitionData, type Facts } from '../../domain/guards.ts';
import { isTerminal, type Lifecycle, type LifecycleStatus } from '../../domain/lifecycles.ts';
import { assertTransition } from '../../domain/transitions.ts';
import { SA_ASSIGNEE, SA_REF, SA_STATUS } from '../search-attributes.ts';
import {
  addNoteUpdate,
  assignUpdate,
  lifecycleStateQuery,
  transitionUpdate,
  upcomingTimersQuery,
  type Actor,
  type AssignRequest,
  type ChangeResult,
  type LifecycleSnapshot,
  type NoteRequest,
  type TransitionRequest,
  type TransitionResult,
  type UpcomingTimer,
} from './messages.ts';
import { storeWrites } from './store.ts';


/** Accepted changes per run before continue-as-new: far below the server's 2,000 updates per run. */
export const CHANGES_PER_RUN = 500;
/** Applied transition ids remembered across runs (older ones: the database constraint). */
const REMEMBERED_TRANSITIONS = 1000;
/** A finished entity's workflow stays open this long to answer late retries, then completes. */
export const CLOSE_AFTER_FINAL_MS = 24 * 60 * 60 * 1000;

export interface TimerSpec {
  readonly name: string;
  /** Epoch milliseconds, workflow time. */
  readonly at: number;
  readonly description: string;
}

/** Facts of an entity: what its guards and timers read (each entity's messages.ts types them). */
export type EntityFacts = Readonly<Record<string, unknown>>;

/** Everything a lifecycle knows; carried verbatim across continue-as-new. */
export interface LifecycleState<S extends LifecycleStatus = LifecycleStatus, F extends object = EntityFacts> {
  readonly entityId: string;
  readonly ref: string | undefined;
  readonly status: S;
  /** When the current status was entered (ISO). */
  readonly statusSince: string;
  readonly assigneeId: string | null;
  readonly facts: F;
  /** Recent transition id → its result, oldest first. */
  readonly applied: ReadonlyArray<readonly [string, TransitionResult | ChangeResult]>;
  /** Timers already fired, as `name@at`. */
  readonly fired: readonly string[];
}

/** The mutable form only the machine holds. */
type Writable<T> = { -readonly [K in keyof T]: T[K] };

export interface LifecycleDefinition<S extends LifecycleStatus = LifecycleStatus, F extends object = EntityFacts> {
  readonly lifecycle: Lifecycle<S>;
  /** The timers the state calls for now (fired ones are skipped by the core). */
  timers(state: LifecycleState<S, F>): TimerSpec[];
  /** Runs a due timer (under the lock). */
  onTimer(timer: TimerSpec, machine: LifecycleMachine<S, F>): Promise<void>;
  /** Entity-specific search attributes beyond type, status, ref and assignee. */
  searchAttributes?(state: LifecycleState<S, F>): SearchAttributeUpdatePair[];
  /** Facts the lifecycle itself sets on a transition (e.g. a booking's hold expiry). */
  transitionFacts?(from: S, to: S, state: LifecycleState<S, F>, request: TransitionRequest<S>): Partial<F>;
}

/** Runs an activity call, surfacing its coded failure as the update's failure. */
export async function activity<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toFailure(error);
  }
}

export class LifecycleMachine<S extends LifecycleStatus = LifecycleStatus, F extends object = EntityFacts> {
  readonly definition: LifecycleDefinition<S, F>;
  readonly #state: Writable<LifecycleState<S, F>> & { applied: Array<[string, TransitionResult | ChangeResult]>; fired: string[] };
  /** One change at a time, in arrival order (Temporal's safe-message-handlers pattern). */
  readonly #lock = new Mutex();
  private changesThisRun = 0;
  private version = 0;
  private closed = false;

  private readonly maxChangesPerRun: number;

  constructor(definition: LifecycleDefinition<S, F>, initial: LifecycleState<S, F>, maxChangesPerRun = CHANGES_PER_RUN) {
    this.definition = definition;
    // Own, mutable copies: the carried state is the workflow's input.
    this.#state = { ...initial, applied: initial.applied.map(([id, result]) => [id, result]), fired: [...initial.fired] };
    this.maxChangesPerRun = Math.min(maxChangesPerRun, CHANGES_PER_RUN);
  }

  /** The entity as the lifecycle knows it (read-only: changes go through the methods below). */
  get state(): LifecycleState<S, F> {
    return this.#state;
  }

  get entityType() {
    return this.definition.lifecycle.entityType;
  }

  get created(): boolean {
    return this.#state.ref !== undefined;
  }

  /** Marks the entity's row as committed (first run only), in the status the store reports. */
  markCreated(row: { ref: string; status: S; facts: Partial<F>; assigneeId: string | null }): void {
    this.#state.ref = row.ref;
    this.#state.status = row.status;
    this.#state.facts = { ...this.#state.facts, ...row.facts };
    this.#state.assigneeId = row.assigneeId;
    this.changed();
  }

  /**
   * Adopts facts committed by an activity (terms, times, SLA deadlines, a booking reference).
   * Called under the lock; the change or timer that holds it publishes the new state when it
   * ends (search attributes, timers), so each change upserts once, as recorded histories expect.
   */
  adoptFacts(facts: Partial<F>): void {
    this.#state.facts = { ...this.#state.facts, ...facts };
  }

  /** Adopts an assignee committed by an activity (e.g. an SLA escalation); as adoptFacts. */
  adoptAssignee(assigneeId: string | null): void {
    this.#state.assigneeId = assigneeId;
  }

  /** The result of an earlier change with this transition id, if it is remembered. */
  previous<T extends TransitionResult | ChangeResult>(transitionId: string): T | undefined {
    return this.#state.applied.find(([id]) => id === transitionId)?.[1] as T | undefined;
  }

  registerHandlers(): void {
    setHandler(transitionUpdate, (request) => this.transition(request), {
      validator: (request) => this.validateTransition(request),
    });
    setHandler(assignUpdate, (request) => this.assign(request), {
      validator: (request) => this.validateChange(request.transitionId, request.actor),
    });
    setHandler(addNoteUpdate, (request) => this.addNote(request), {
      validator: (request) => {
        this.validateChange(request.transitionId, request.actor);
        if (!request.text.trim() || request.text.length > 5000) {
          throw toFailure(new DomainError('VALIDATION', 'A note needs 1 to 5000 characters of text.', { field: 'text' }));
        }
      },
    });
    setHandler(lifecycleStateQuery, () => this.snapshot());
    setHandler(upcomingTimersQuery, () => this.upcomingTimers());
  }

  snapshot(): LifecycleSnapshot {
    return {
      entityType: this.entityType,
      entityId: this.#state.entityId,
      ref: this.#state.ref,
      status: this.#state.status,
      assigneeId: this.#state.assigneeId,
      facts: this.#state.facts as EntityFacts,
      upcomingTimers: this.upcomingTimers(),
      runTransitions: this.changesThisRun,
    };
  }

  upcomingTimers(): UpcomingTimer[] {
    return this.pendingTimers().map((t) => ({ name: t.name, at: new Date(t.at).toISOString(), description: t.description }));
  }

  // ---- validation (runs before the update is written to history; must not mutate) ----

  private validateChange(transitionId: string, actor: Actor): void {
    if (!transitionId || transitionId.length > 200) {
      throw toFailure(new DomainError('VALIDATION', 'A transition id of 1 to 200 characters is required.', { field: 'transitionId' }));
    }
    if (actor.type !== 'user' && actor.type !== 'system') {
      throw toFailure(new DomainError('VALIDATION', 'The actor must be a user or the system.', { field: 'actor' }));
    }
  }

  validateTransition(request: TransitionRequest): void {
    this.validateChange(request.transitionId, request.actor);
    const earlier = this.previous<TransitionResult>(request.transitionId);
    if (earlier) {
      // A retry is answered with the first result; the same id for another change is a mistake.
      if ('to' in earlier && earlier.to === request.to) return;
      throw toFailure(new DomainError('CONFLICT', `Transition id ${request.transitionId} was already used for another change.`, { field: 'transitionId' }));
    }
    try {
      this.checkTransition(request, {});
    } catch (error) {
      throw toFailure(error);
    }
  }

  private checkTransition(request: TransitionRequest, ownFacts: Partial<F>): asserts request is TransitionRequest<S> {
    const { lifecycle } = this.definition;
    if (!(lifecycle.statuses as readonly string[]).includes(request.to)) {
      // Not a status of this lifecycle at all: a bad request, not a refused transition.
      throw new DomainError('VALIDATION', `${request.to} is not ${lifecycle.entityType === 'inquiry' ? 'an' : 'a'} ${lifecycle.entityType} status. Statuses: ${lifecycle.statuses.join(', ')}.`, {
        entityType: lifecycle.entityType, field: 'to', allowed: [...lifecycle.transitions[this.#state.status]],
      });
    }
    assertTransitionData(lifecycle.entityType, request.data);
    assertTransition(lifecycle, this.#state.status, request.to);
    assertGuards(lifecycle.entityType, this.#state.status, request.to, { ...this.#state.facts, ...request.data, ...ownFacts } as Facts, request.reason);
  }

  // ---- handlers ----

  /**
   * Runs handlers that await activities one at a time, in arrival order, so each sees the state
   * the last one left; none runs before the entity's row exists.
   */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await condition(() => this.created);
    return this.#lock.runExclusive(fn);
  }

  async transition(request: TransitionRequest): Promise<TransitionResult> {
    return this.exclusive(() => this.applyTransition(request));
  }

  /**
   * Applies a transition; the caller holds the lock (timers and entity handlers call this too).
   * `ownFacts` are set by the lifecycle itself, not the caller (e.g. the booking of a conversion).
   */
  async applyTransition(request: TransitionRequest, ownFacts: Partial<F> = {}): Promise<TransitionResult> {
    const earlier = this.previous<TransitionResult>(request.transitionId);
    if (earlier) return { ...earlier, duplicate: true };
    // Validated when accepted, but another update may have moved the entity since.
    try {
      this.checkTransition(request, ownFacts);
    } catch (error) {
      throw toFailure(error);
    }
    const from = this.#state.status;
    const to = request.to;
    const extraFacts = { ...ownFacts, ...this.definition.transitionFacts?.(from, to, this.#state, request) };
    const outcome = await activity(() => storeWrites.applyTransition({
      entityType: this.entityType,
      entityId: this.#state.entityId,
      from,
      to,
      transitionId: request.transitionId,
      actor: request.actor,
      reason: request.reason,
      data: { ...request.data, ...extraFacts },
      at: new Date().toISOString(),
    }));
    // Already applied and recorded as this very change: an earlier attempt of this request
    // committed, then its result was lost (a crash). Adopt it; anything else is an old id.
    const adopt = !outcome.alreadyApplied || (outcome.recorded?.before?.status === from && outcome.recorded.after?.status === to);
    const result: TransitionResult = {
      entityId: this.#state.entityId, from, to, transitionId: request.transitionId, at: outcome.at, duplicate: !adopt,
    };
    if (adopt) {
      this.#state.status = to;
      this.#state.statusSince = outcome.at;
      this.#state.facts = { ...this.#state.facts, ...request.data, ...extraFacts } as F;
    }
    this.remember(request.transitionId, result);
    return result;
  }

  /**
   * Runs a change that is not a status (assign, note, reschedule) under the lock, once per
   * transition id: `apply` commits it, adopts it into the state and says whether it was a
   * duplicate (an old id whose effect is already in the database).
   */
  change(transitionId: string, apply: () => Promise<boolean>): Promise<ChangeResult> {
    return this.exclusive(async () => {
      const earlier = this.previous<ChangeResult>(transitionId);
      if (earlier) return { ...earlier, duplicate: true };
      const result: ChangeResult = { entityId: this.#state.entityId, transitionId, duplicate: await apply() };
      this.remember(transitionId, result);
      return result;
    });
  }

  assign(request: AssignRequest): Promise<ChangeResult> {
    return this.change(request.transitionId, async () => {
      const outcome = await activity(() => storeWrites.applyAssignment({
        entityType: this.entityType,
        entityId: this.#state.entityId,
        from: this.#state.assigneeId,
        to: request.assigneeId,
        transitionId: request.transitionId,
        actor: request.actor,
        reason: request.reason,
        at: new Date().toISOString(),
      }));
      // Committed by an earlier attempt of this same request (crash): adopt it, as for transitions.
      const adopt = !outcome.alreadyApplied || (outcome.recorded?.after?.assigned_to ?? null) === request.assigneeId;
      if (adopt) {
        this.#state.assigneeId = request.assigneeId;
        this.#state.facts = { ...this.#state.facts, ...(outcome.facts as Partial<F>) };
      }
      return !adopt;
    });
  }

  addNote(request: NoteRequest): Promise<ChangeResult> {
    const text = request.text.trim();
    return this.change(request.transitionId, async () => {
      const outcome = await activity(() => storeWrites.addNote({
        entityType: this.entityType,
        entityId: this.#state.entityId,
        text,
        transitionId: request.transitionId,
        actor: request.actor,
        at: new Date().toISOString(),
      }));
      return outcome.alreadyApplied && outcome.recorded?.after?.note !== text;
    });
  }

  /** Records a change made by an entity-specific handler (e.g. reschedule) and refreshes timers. */
  remember(transitionId: string, result: TransitionResult | ChangeResult): void {
    this.#state.applied.push([transitionId, result]);
    if (this.#state.applied.length > REMEMBERED_TRANSITIONS) this.#state.applied.splice(0, this.#state.applied.length - REMEMBERED_TRANSITIONS);
    this.changesThisRun++;
    this.changed();
  }

  /** Call after any state change: re-publishes search attributes and wakes the timer loop. */
  private changed(): void {
    this.version++;
    const pairs: SearchAttributeUpdatePair[] = [
      { key: SA_STATUS, value: this.#state.status },
      { key: SA_ASSIGNEE, value: this.#state.assigneeId },
      ...(this.#state.ref ? [{ key: SA_REF, value: this.#state.ref }] : []),
      ...(this.definition.searchAttributes?.(this.#state) ?? []),
    ];
    upsertSearchAttributes(pairs);
    setCurrentDetails(this.describe());
  }

  /** What the Temporal UI shows as the workflow's current details (markdown). */
  private describe(): string {
    const state = this.#state;
    const next = this.pendingTimers()[0];
    return [
      `**${this.entityType} ${state.ref ?? '(being created)'}** — ${state.status} since ${state.statusSince}`,
      `Entity id: \`${state.entityId}\` · assignee: ${state.assigneeId ? `\`${state.assigneeId}\`` : 'unassigned'}`,
      next ? `Next: ${next.description} at ${new Date(next.at).toISOString()}` : 'Next: nothing scheduled',
      `Changes this run: ${this.changesThisRun}`,
    ].join('\n\n');
  }

  // ---- timers and the run loop ----

  private pendingTimers(): TimerSpec[] {
    const timers = [...this.definition.timers(this.#state)];
    if (isTerminal(this.definition.lifecycle, this.#state.status)) {
      timers.push({ name: 'close', at: Date.parse(this.#state.statusSince) + CLOSE_AFTER_FINAL_MS, description: 'the workflow completes (final status reached)' });
    }
    return timers.filter((t) => !this.#state.fired.includes(`${t.name}@${t.at}`)).sort((a, b) => a.at - b.at);
  }

  private continueAsNewDue(): boolean {
    return this.changesThisRun >= this.maxChangesPerRun || workflowInfo().continueAsNewSuggested;
  }

  /**
   * Waits for timers and changes until the entity is closed ('done') or the run should
   * continue-as-new ('continue'); either way only once every handler has finished.
   */
  async run(): Promise<'done' | 'continue'> {
    for (;;) {
      const next = this.pendingTimers()[0];
      const seen = this.version;
      const woke = next
        ? await condition(() => this.version !== seen || this.continueAsNewDue(), Math.max(1, next.at - Date.now()))
        : await condition(() => this.version !== seen || this.continueAsNewDue()).then(() => true);
      if (!woke && next) {
        await this.exclusive(async () => {
          this.#state.fired.push(`${next.name}@${next.at}`);
          if (this.#state.fired.length > 200) this.#state.fired.splice(0, this.#state.fired.length - 200);
          if (next.name === 'close') this.closed = true;
          else await this.definition.onTimer(next, this);
          this.changed();
        });
      }
      if (this.closed || this.continueAsNewDue()) {
        await condition(allHandlersFinished);
        return this.closed ? 'done' : 'continue';
      }
    }
  }
}

/** The starting state of a new entity. */
export function initialState<S extends LifecycleStatus, F extends object>(entityId: string, lifecycle: Lifecycle<S>, now: string): LifecycleState<S, F> {
  return { entityId, ref: undefined, status: lifecycle.initial, statusSince: now, assigneeId: null, facts: {} as F, applied: [], fired: [] };
}
