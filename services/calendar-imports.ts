/**
 * External calendars imported into a model's availability (issue 14 item 4): an ICS URL per
 * model, read on a Temporal Schedule (ops queue, seed §9 retries; workflows/calendar/) and on
 * demand. Each run makes the import's `sync` slots in the window equal the calendar's busy events
 * (domain/calendar.ts planSync: new events inserted, changed ones updated, vanished ones removed;
 * the same calendar twice writes nothing), then reconciles the model's held bookings in the
 * window, so a synced busy event under a held booking becomes a mismatch and an exception once
 * (services/availability-mismatches.ts) and is resolved when the event goes away.
 *
 * Managed with availability.write (the import writes availability); listed with
 * availability.read, the URL shown in full only to those who may change it (private calendar
 * URLs carry their secret in the path).
 *
 * The URL is typed in by an operator and fetched by our servers, so it must not reach inside our
 * network (platform/guarded-fetch.ts): saving a URL whose host is or resolves to a loopback,
 * private, link-local (cloud metadata) or otherwise non-public address is VALIDATION, and every
 * fetch checks again on the address it connects to and on every redirect, so a name that
 * resolves elsewhere later fails the run with the reason recorded (and logged by the activity).
 * Hosts on CALENDAR_IMPORT_ALLOW_HOSTS are exempt from the address check only.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { WorkflowFailedError, WorkflowIdConflictPolicy } from '@temporalio/client';
import { named } from '../db/change-log.ts';
import { CalendarImport, Model } from '../db/entities/index.ts';
import { assertPermission } from '../domain/access.ts';
import {
  IMPORT_DAYS_AHEAD, IMPORT_DAYS_BEHIND, IMPORT_MAX_BYTES, fetchUrlOf, importUrlProblem, planSync, wantedSlots,
  type ImportBusyStatus, type StoredSyncSlot,
} from '../domain/calendar.ts';
import { DomainError, conflict, invalidInput, notFound } from '../domain/errors.ts';
import { DestinationRefused, ResponseTooLarge, STRICT_OUTBOUND, destinationProblem, guardedGet, type OutboundPolicy } from '../platform/guarded-fetch.ts';
import { calendarImportWorkflowId, calendarImportWorkflowType, type CalendarImportRun } from '../workflows/calendar/messages.ts';
import { BACKGROUND_TASK_QUEUE } from '../workflows/task-queues.ts';
import { createMismatchService } from './availability-mismatches.ts';
import { parseOccurrences } from './calendar-ics.ts';
import { recordEdit } from './change-records.ts';
import { systemCaller, type Caller, type ServiceDeps } from './context.ts';
import { isUuid } from './rows.ts';

export interface NewCalendarImport {
  readonly modelId: string;
  readonly name: string;
  readonly url: string;
  /** What a busy event becomes (unavailable by default; a tentative event is always tentative). */
  readonly busyAs?: ImportBusyStatus | undefined;
}

/** How long one fetch may take, redirects and body included. */
const FETCH_TIMEOUT_MS = 20_000;
/** Redirects followed (each hop checked like the first). */
const MAX_REDIRECTS = 5;
/** How long `runNow` waits for the run before answering with the import as it stands. */
const RUN_NOW_WAIT_MS = 25_000;

async function rows<T>(em: EntityManager, sql: string, values: Record<string, unknown>): Promise<T[]> {
  const q = named(sql, values);
  return em.getConnection().execute<T[]>(q.sql, q.params, 'all', em.getTransactionContext());
}

const snapshot = (row: CalendarImport) => ({ model_id: row.model.id, name: row.name, busy_as: row.busyAs, status: row.status });

/** The import window as of `now`. */
export function importWindow(now: Date): { from: Date; to: Date } {
  return { from: new Date(now.getTime() - IMPORT_DAYS_BEHIND * 86_400_000), to: new Date(now.getTime() + IMPORT_DAYS_AHEAD * 86_400_000) };
}

/**
 * The calendar's text, fetched under the guard (platform/guarded-fetch.ts). A refusal that
 * retrying cannot fix (a destination inside our network, 4xx except 408 / 429, too large) is
 * VALIDATION; anything else (5xx, network, timeout) is a plain Error to be retried.
 */
async function fetchCalendar(url: string, policy: OutboundPolicy): Promise<string> {
  let response;
  try {
    response = await guardedGet(fetchUrlOf(url), {
      policy, maxBytes: IMPORT_MAX_BYTES, timeoutMs: FETCH_TIMEOUT_MS, maxRedirects: MAX_REDIRECTS,
      headers: { accept: 'text/calendar, */*;q=0.5', 'user-agent': 'Virel Ops calendar import' },
    });
  } catch (error) {
    if (error instanceof DestinationRefused) throw invalidInput('url', `the calendar URL was refused: ${error.message}`);
    if (error instanceof ResponseTooLarge) throw invalidInput('url', `the calendar is larger than ${IMPORT_MAX_BYTES} bytes`);
    throw new Error(`could not fetch the calendar: ${(error as Error).message}`, { cause: error });
  }
  if (response.status < 200 || response.status >= 300) {
    const message = `the calendar URL answered HTTP ${response.status}`;
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) throw invalidInput('url', message);
    throw new Error(message);
  }
  return response.body.toString('utf8');
}

/** Why a run failed, as the import shows it: the refusal's own words (without "Invalid input: url:"). */
function reasonOf(error: unknown): string {
  const issues = error instanceof DomainError ? (error.details.issues as Array<{ message: string }> | undefined) : undefined;
  return issues?.[0]?.message ?? (error as Error).message;
}

export function createCalendarImportService(deps: ServiceDeps) {
  const { em } = deps;
  const outbound = deps.outbound ?? STRICT_OUTBOUND;
  const mismatches = createMismatchService(deps);
  const system = systemCaller('calendar-import');

  async function findImport(id: string): Promise<CalendarImport> {
    const row = isUuid(id) ? await em.findOne(CalendarImport, { id }, { refresh: true }) : null;
    if (!row) throw notFound('calendar import', id);
    return row;
  }

  /** Starts the import's run (or joins the one running: one run per import at a time). */
  async function startRun(id: string) {
    return deps.temporal.workflow.start(calendarImportWorkflowType, {
      workflowId: calendarImportWorkflowId(id), taskQueue: BACKGROUND_TASK_QUEUE, args: [{ importId: id }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
  }

  return {
    async add(caller: Caller, input: NewCalendarImport): Promise<CalendarImport> {
      assertPermission(caller.principal, 'availability.write');
      const problem = importUrlProblem(input.url);
      if (problem) throw invalidInput('url', problem);
      // Checked now for a clear answer; every fetch checks again (the name may resolve elsewhere later).
      const unsafe = await destinationProblem(new URL(fetchUrlOf(input.url)), outbound);
      if (unsafe) throw invalidInput('url', `must reach a public address: ${unsafe}`);
      if (!isUuid(input.modelId) || !(await em.findOne(Model, { id: input.modelId }, { fields: ['id'] }))) throw invalidInput('modelId', 'no such model');
      const id = await em.transactional(async (tx) => {
        const [existing] = await rows<{ id: string }>(tx, 'SELECT id FROM calendar_imports WHERE model_id = :model AND url = :url', { model: input.modelId, url: input.url });
        if (existing) throw conflict('This model already imports that calendar.', { reason: 'duplicate_calendar_import', calendarImportId: existing.id });
        const row = tx.create(CalendarImport, {
          model: input.modelId, name: input.name, url: input.url, busyAs: input.busyAs ?? 'unavailable', status: 'active', createdBy: caller.principal.id, lastStatus: 'never',
        });
        await tx.flush();
        // The URL may carry the calendar's secret: the audit keeps its host only.
        await recordEdit(tx, caller, { action: 'CREATE', entityType: 'calendar_import', entityId: row.id, before: null, after: { ...snapshot(row), url_host: new URL(fetchUrlOf(input.url)).host } });
        return row.id;
      });
      // The first import starts at once; the Schedule keeps it fresh after that.
      await startRun(id);
      return findImport(id);
    },

    /** Removes the import and its slots; bookings they stood over are reconciled (their mismatches resolve). */
    async remove(caller: Caller, id: string): Promise<CalendarImport> {
      assertPermission(caller.principal, 'availability.write');
      const row = await findImport(id);
      const span = await em.transactional(async (tx) => {
        const [covered] = await rows<{ from: string | null; to: string | null }>(tx,
          'SELECT min(start_at) AS "from", max(end_at) AS "to" FROM availability_slots WHERE calendar_import_id = :id', { id });
        await rows(tx, 'DELETE FROM availability_slots WHERE calendar_import_id = :id', { id });
        await rows(tx, 'DELETE FROM calendar_imports WHERE id = :id', { id });
        await recordEdit(tx, caller, { action: 'DELETE', entityType: 'calendar_import', entityId: id, before: snapshot(row), after: null });
        return covered?.from && covered.to ? { from: new Date(covered.from), to: new Date(covered.to) } : null;
      });
      if (span) await mismatches.reconcileModels([row.model.id], span.from, span.to);
      return row;
    },

    /** Runs the import now and waits for it (briefly): the import with its last run's outcome. */
    async runNow(caller: Caller, id: string): Promise<CalendarImport> {
      assertPermission(caller.principal, 'availability.write');
      const row = await findImport(id);
      if (row.status !== 'active') throw conflict('This calendar import is disabled.', { reason: 'calendar_import_disabled' });
      const handle = await startRun(id);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([handle.result(), new Promise((resolve) => { timer = setTimeout(resolve, RUN_NOW_WAIT_MS); })]);
      } catch (error) {
        // A failed run is recorded on the import (last status and error): that is the answer.
        if (!(error instanceof WorkflowFailedError)) throw error;
      } finally {
        clearTimeout(timer);
      }
      return findImport(id);
    },

    /** The active imports, least recently run first (what the Schedule's run starts). */
    async dueImports(limit: number): Promise<string[]> {
      const found = await rows<{ id: string }>(em, `SELECT id FROM calendar_imports WHERE status = 'active' ORDER BY last_run_at NULLS FIRST, id LIMIT :limit`, { limit });
      return found.map((r) => r.id);
    },

    /**
     * One run: fetch, parse, make the import's slots in the window equal the calendar's busy
     * events, record the outcome, reconcile the model's held bookings in the window. A failure
     * is recorded on the import and thrown (VALIDATION: retrying will not help).
     */
    async runImport(id: string, now = new Date()): Promise<CalendarImportRun> {
      const row = isUuid(id) ? await em.findOne(CalendarImport, { id }, { refresh: true }) : null;
      if (!row || row.status !== 'active') return { importId: id, status: 'skipped', inserted: 0, updated: 0, removed: 0, events: 0 };
      const window = importWindow(now);
      let wanted;
      try {
        const text = await fetchCalendar(row.url, outbound);
        wanted = wantedSlots(parseOccurrences(text, window), row.busyAs as ImportBusyStatus, window);
      } catch (error) {
        await rows(em, `UPDATE calendar_imports SET last_run_at = now(), last_status = 'failed', last_error = :error, updated_at = now() WHERE id = :id`, {
          id, error: reasonOf(error).slice(0, 2000),
        });
        throw error;
      }
      const plan = await em.transactional(async (tx) => {
        // One run writes at a time per import (a run now and a scheduled one meeting here).
        const [locked] = await rows<{ id: string }>(tx, `SELECT id FROM calendar_imports WHERE id = :id AND status = 'active' FOR UPDATE`, { id });
        if (!locked) return null;
        const stored = (await rows<{ id: string; external_uid: string; start_at: string; end_at: string; status: string }>(tx, `
          SELECT id, external_uid, start_at, end_at, status FROM availability_slots
           WHERE calendar_import_id = :id AND tstzrange(start_at, end_at, '[)') && tstzrange(:from, :to, '[)')`, { id, from: window.from, to: window.to }))
          .map((s): StoredSyncSlot => ({ id: s.id, externalUid: s.external_uid, start: new Date(s.start_at), end: new Date(s.end_at), status: s.status as ImportBusyStatus }));
        const planned = planSync(stored, wanted);
        if (planned.remove.length) await rows(tx, 'DELETE FROM availability_slots WHERE id = ANY(:ids::uuid[])', { ids: `{${planned.remove.map((s) => s.id).join(',')}}` });
        for (const s of planned.update) {
          await rows(tx, 'UPDATE availability_slots SET start_at = :start, end_at = :end, status = :status, updated_at = now() WHERE id = :id', { id: s.id, start: s.start, end: s.end, status: s.status });
        }
        for (const s of planned.insert) {
          await rows(tx, `
            INSERT INTO availability_slots (model_id, start_at, end_at, status, source, confidence, calendar_import_id, external_uid)
            VALUES (:model, :start, :end, :status, 'sync', 1.00, :import, :uid)`, { model: row.model.id, start: s.start, end: s.end, status: s.status, import: id, uid: s.externalUid });
        }
        await rows(tx, `UPDATE calendar_imports SET last_run_at = now(), last_success_at = now(), last_status = 'ok', last_error = NULL, last_event_count = :count, updated_at = now() WHERE id = :id`, { id, count: wanted.length });
        if (planned.insert.length || planned.update.length || planned.remove.length) {
          await recordEdit(tx, system, {
            action: 'UPDATE', entityType: 'calendar_import', entityId: id, before: null,
            after: { inserted: planned.insert.length, updated: planned.update.length, removed: planned.remove.length, events: wanted.length },
            metadata: { reason: 'calendar synced', model_id: row.model.id },
          });
        }
        return planned;
      });
      if (!plan) return { importId: id, status: 'skipped', inserted: 0, updated: 0, removed: 0, events: 0 };
      // Every synced change can put a held booking at odds with availability, or settle one.
      await mismatches.reconcileModels([row.model.id], window.from, window.to);
      return { importId: id, status: 'ok', inserted: plan.insert.length, updated: plan.update.length, removed: plan.remove.length, events: wanted.length };
    },
  };
}

export type CalendarImportService = ReturnType<typeof createCalendarImportService>;
