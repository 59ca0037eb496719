/**
 * CSV imports of models and clients (issue 14 item 8): accepting a file (parsed at once with
 * csv-parse, so a malformed file or a wrong header is refused before anything is stored), the
 * dry run of a chunk of rows (what each would do, or its problems; nothing written but the
 * import's own bookkeeping), applying a chunk (each row through the model or client service as
 * the platform, keyed on the row's natural key: a model's public code, a client's email or else
 * phone, so a row applied twice changes nothing the second time), and the import's progress.
 *
 * The chunks are run by the import's workflow on the heavy queue (activities/imports.ts); each
 * row's outcome is stored once per phase (primary key), so a chunk redone after a worker
 * restart skips the rows it already applied and progress never counts a row twice.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { Client, Location, Model } from '../db/entities/index.ts';
import { assertPermission } from '../domain/access.ts';
import { conflict, DomainError, invalidRequest, notFound } from '../domain/errors.ts';
import { normalizePhone, PHONE_PATTERN } from '../domain/formats.ts';
import {
  columnName, headerProblems, IMPORT_MAX_ROWS, IMPORT_PERMISSION, type ImportKind, type ImportStatus, type RowOutcome,
} from '../domain/imports.ts';
import type { FileStorage } from '../platform/file-storage.ts';
import { BACKGROUND_TASK_QUEUE } from '../workflows/task-queues.ts';
import { applyImportSignal, importDataWorkflowType, importWorkflowId, type ImportInput } from '../workflows/imports/messages.ts';
import { createClientService } from './clients.ts';
import { systemCaller, type Caller, type ServiceDeps } from './context.ts';
import { createModelService } from './models.ts';
import { isUuid } from './rows.ts';

export interface ImportDeps extends ServiceDeps {
  /** Where import files are kept; only accepting and processing files need it (not progress or apply requests). */
  readonly storage?: FileStorage | undefined;
}

export interface StagedImport {
  readonly path: string;
  readonly checksum: string;
  readonly originalName: string | null;
}

/** One CSV row: its line in the file (as a spreadsheet numbers it) and its cells by column. */
interface CsvRow {
  readonly line: number;
  readonly cells: Readonly<Record<string, string>>;
}

export interface RowProblem {
  readonly field: string;
  readonly message: string;
}

/** A valid row's values, its natural key and the fields the file gives (only those are compared and written). */
interface ParsedRow {
  readonly key: string;
  readonly values: Readonly<Record<string, unknown>>;
}

export interface ImportProgress {
  readonly id: string;
  readonly kind: ImportKind;
  readonly status: ImportStatus;
  readonly totalRows: number;
  readonly checkedRows: number;
  readonly appliedRows: number;
  readonly planned: Readonly<Record<RowOutcome, number>>;
  readonly applied: Readonly<Record<RowOutcome, number>>;
  readonly problems: ReadonlyArray<{ line: number; field: string; message: string }>;
  readonly failure: string | null;
  readonly originalName: string | null;
  readonly createdAt: Date;
  readonly checkedAt: Date | null;
  readonly appliedAt: Date | null;
}

/** Parses a CSV file of a kind: VALIDATION for a malformed file, a wrong header, no rows or too many. */
export function parseImportFile(kind: ImportKind, text: string): CsvRow[] {
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  let headers: string[] = [];
  try {
    records = parse(text, {
      bom: true, skip_empty_lines: true, trim: true, info: true,
      columns: (header: string[]) => (headers = header.map(columnName)),
    }) as typeof records;
  } catch (error) {
    throw invalidRequest(`The file is not a readable CSV: ${(error as Error).message}`, { field: 'file', reason: 'malformed' });
  }
  const { missing, unknown } = headerProblems(kind, headers);
  if (missing.length || unknown.length) {
    throw invalidRequest(`The header of a ${kind} import ${missing.length ? `lacks ${missing.join(', ')}` : ''}${missing.length && unknown.length ? ' and ' : ''}${unknown.length ? `has unknown columns ${unknown.join(', ')}` : ''}.`,
      { field: 'file', reason: 'header', missing, unknown });
  }
  if (records.length === 0) throw invalidRequest('The file has a header but no rows.', { field: 'file', reason: 'empty' });
  if (records.length > IMPORT_MAX_ROWS) throw invalidRequest(`The file has more than ${IMPORT_MAX_ROWS} rows.`, { field: 'file', reason: 'too_large', limitRows: IMPORT_MAX_ROWS });
  return records.map(({ record, info }) => ({ line: info.lines, cells: record }));
}

const cell = (row: CsvRow, column: string): string | undefined => {
  const value = row.cells[column];
  return value === undefined || value === '' ? undefined : value;
};

const issuesOf = (error: z.ZodError): RowProblem[] => error.issues.map((i) => ({ field: String(i.path[0] ?? ''), message: i.message }));

const modelRow = z.object({
  public_code: z.string().trim().toUpperCase().regex(/^[A-Z0-9]+(?:-[A-Z0-9]+)*$/, 'letters, digits and single dashes, e.g. SOPHIA-MF').max(40),
  name: z.string().trim().min(1).max(200),
  slug: z.string().trim().min(1).max(120).regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lowercase letters, digits and single dashes only').optional(),
  visibility: z.enum(['public', 'private', 'unlisted']).optional(),
  primary_location: z.string().trim().min(1).optional(),
  buffer_minutes: z.coerce.number().int().min(0).max(1440).optional(),
});

const clientRow = z.object({
  full_name: z.string().trim().max(200).optional(),
  email: z.string().trim().toLowerCase().pipe(z.email().max(320)).optional(),
  phone: z.string().trim().regex(PHONE_PATTERN, 'must be a phone number').transform(normalizePhone).optional(),
  preferred_channel: z.enum(['web', 'telegram', 'whatsapp', 'phone']).optional(),
  tags: z.string().transform((v) => [...new Set(v.split(/[;|]/).map((t) => t.trim().toLowerCase()).filter(Boolean))])
    .pipe(z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'tags: letters, digits, _ and -, at most 40 each, separated by ;')).max(20)).optional(),
}).refine((v) => v.email || v.phone, { message: 'a client row needs an email or a phone (its key)', path: ['email'] });

/** The row's values (only the cells it has) and natural key, or its problems. */
function readRow(kind: ImportKind, row: CsvRow): ParsedRow | RowProblem[] {
  const present = Object.fromEntries(Object.keys(row.cells).flatMap((c) => (cell(row, c) === undefined ? [] : [[c, cell(row, c)]])));
  if (kind === 'models') {
    const parsed = modelRow.safeParse(present);
    if (!parsed.success) return issuesOf(parsed.error);
    return { key: parsed.data.public_code, values: parsed.data };
  }
  const parsed = clientRow.safeParse(present);
  if (!parsed.success) return issuesOf(parsed.error);
  return { key: parsed.data.email ? `email:${parsed.data.email}` : `phone:${parsed.data.phone}`, values: parsed.data };
}

/** The entity a row's key names, if it exists. */
async function existingFor(em: EntityManager, kind: ImportKind, row: ParsedRow): Promise<Model | Client | null> {
  if (kind === 'models') return em.findOne(Model, { publicCode: row.key });
  const v = row.values as { email?: string; phone?: string };
  return v.email ? em.findOne(Client, { email: v.email }) : em.findOne(Client, { phone: v.phone as string }, { orderBy: { createdAt: 'asc' } });
}

/** The changes a row makes to an existing entity (only its own cells), in the service's terms. */
async function changesFor(em: EntityManager, kind: ImportKind, row: ParsedRow, existing: Model | Client | null): Promise<{ changes: Record<string, unknown>; problems: RowProblem[] }> {
  const problems: RowProblem[] = [];
  const changes: Record<string, unknown> = {};
  if (kind === 'models') {
    const v = row.values as z.infer<typeof modelRow>;
    const model = existing as Model | null;
    const slug = v.slug ?? (model ? undefined : v.public_code.toLowerCase());
    if (v.name !== model?.name) changes.name = v.name;
    if (slug !== undefined && slug !== model?.slug) {
      const holder = await em.findOne(Model, { slug });
      if (holder && holder.id !== model?.id) problems.push({ field: 'slug', message: `another model already has the slug ${slug}` });
      changes.slug = slug;
    }
    if (v.visibility !== undefined && v.visibility !== model?.visibility) changes.visibility = v.visibility;
    if (v.buffer_minutes !== undefined && v.buffer_minutes !== model?.bufferMinutes) changes.bufferMinutes = v.buffer_minutes;
    if (v.primary_location !== undefined) {
      const location = await em.findOne(Location, { slug: v.primary_location.toLowerCase() });
      if (!location) problems.push({ field: 'primary_location', message: `no location with the slug ${v.primary_location}` });
      else if (location.id !== model?.primaryLocation?.id) changes.primaryLocationId = location.id;
    }
    if (!model) changes.publicCode = v.public_code;
    return { changes, problems };
  }
  const v = row.values as z.infer<typeof clientRow>;
  const client = existing as Client | null;
  if (v.full_name !== undefined && v.full_name !== client?.fullName) changes.fullName = v.full_name;
  if (v.email !== undefined && v.email !== client?.email) changes.email = v.email;
  if (v.phone !== undefined && v.phone !== client?.phone) changes.phone = v.phone;
  if (v.preferred_channel !== undefined && v.preferred_channel !== client?.preferredChannel) changes.preferredChannel = v.preferred_channel;
  if (v.tags !== undefined && JSON.stringify(v.tags) !== JSON.stringify(client?.tags ?? [])) changes.tags = v.tags;
  return { changes, problems };
}

const emptyCounts = (): Record<RowOutcome, number> => ({ create: 0, update: 0, unchanged: 0, error: 0 });

export function createImportService(deps: ImportDeps) {
  const files = (): FileStorage => {
    if (!deps.storage) throw new Error('this import command needs the file store');
    return deps.storage;
  };
  const sql = <T>(query: string, params: unknown[] = [], em: EntityManager = deps.em) => em.getConnection().execute<T[]>(query, params, 'all', em.getTransactionContext());

  async function importRow(id: string): Promise<{ id: string; kind: ImportKind; status: ImportStatus; storage_key: string; total_rows: number }> {
    const [row] = isUuid(id) ? await sql<{ id: string; kind: ImportKind; status: ImportStatus; storage_key: string; total_rows: number }>(
      'SELECT id, kind, status, storage_key, total_rows FROM data_imports WHERE id = ?', [id], deps.em.fork()) : [];
    if (!row) throw notFound('import', id);
    return row;
  }

  async function rowsOf(id: string): Promise<{ kind: ImportKind; rows: CsvRow[] }> {
    const row = await importRow(id);
    return { kind: row.kind, rows: parseImportFile(row.kind, (await files().read(row.storage_key)).toString('utf8')) };
  }

  /** Keys of the rows before `offset`, to find a key the file repeats. */
  const keysBefore = (kind: ImportKind, rows: CsvRow[], offset: number) => {
    const seen = new Map<string, number>();
    rows.slice(0, offset).forEach((r) => {
      const parsed = readRow(kind, r);
      if (!Array.isArray(parsed) && !seen.has(parsed.key)) seen.set(parsed.key, r.line);
    });
    return seen;
  };

  const record = (em: EntityManager, id: string, phase: 'check' | 'apply', line: number, outcome: RowOutcome, entityId: string | null, problems: RowProblem[]) =>
    sql(`INSERT INTO data_import_rows (import_id, phase, row_number, outcome, entity_id, problems) VALUES (?, ?, ?, ?, ?, ?::jsonb)
      ON CONFLICT (import_id, phase, row_number) DO NOTHING`, [id, phase, line, outcome, entityId, JSON.stringify(problems)], em);

  return {
    /** Removes a staged upload that is refused before it is looked at. */
    discard: (path: string) => rm(path, { force: true }),

    /** Stores a staged CSV and starts its import (dry run first). The staged file is always consumed. */
    async acceptUpload(caller: Caller, kind: ImportKind, staged: StagedImport): Promise<{ id: string; totalRows: number }> {
      const id = randomUUID();
      const key = `imports/${id}.csv`;
      let stored = false;
      try {
        assertPermission(caller.principal, IMPORT_PERMISSION[kind]);
        const rows = parseImportFile(kind, await readFile(staged.path, 'utf8'));
        await files().putFile(key, staged.path);
        stored = true;
        await deps.em.fork().transactional(async (em) => {
          await sql(`INSERT INTO data_imports (id, kind, storage_key, checksum, original_name, total_rows, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
            [id, kind, key, staged.checksum, staged.originalName, rows.length, caller.principal.id], em);
          await deps.temporal.workflow.start(importDataWorkflowType, {
            taskQueue: BACKGROUND_TASK_QUEUE, workflowId: importWorkflowId(id), args: [{ importId: id, totalRows: rows.length } satisfies ImportInput],
          });
        });
        return { id, totalRows: rows.length };
      } catch (error) {
        if (stored) await files().remove(key);
        throw error;
      } finally {
        await rm(staged.path, { force: true });
      }
    },

    /** Asks a checked import without problems to apply: CONFLICT otherwise. */
    async requestApply(caller: Caller, id: string): Promise<void> {
      const row = await importRow(id);
      assertPermission(caller.principal, IMPORT_PERMISSION[row.kind]);
      if (row.status !== 'checked') throw conflict(`The import is ${row.status}: only a checked import can be applied.`, { status: row.status });
      const [errors] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM data_import_rows WHERE import_id = ? AND phase = 'check' AND outcome = 'error'`, [id], deps.em.fork());
      if (errors?.n) throw conflict(`The dry run found problems in ${errors.n} rows: fix the file and upload it again.`, { errorRows: errors.n });
      await deps.temporal.workflow.getHandle(importWorkflowId(id)).signal(applyImportSignal);
    },

    /** The import's progress for a caller who may import its kind. */
    async progress(caller: Caller, id: string): Promise<ImportProgress> {
      const row = await importRow(id);
      assertPermission(caller.principal, IMPORT_PERMISSION[row.kind]);
      const em = deps.em.fork();
      const [head] = await sql<{ failure: string | null; original_name: string | null; created_at: Date; checked_at: Date | null; applied_at: Date | null }>(
        'SELECT failure, original_name, created_at, checked_at, applied_at FROM data_imports WHERE id = ?', [id], em);
      const counts = await sql<{ phase: 'check' | 'apply'; outcome: RowOutcome; n: number }>(
        'SELECT phase, outcome, count(*)::int AS n FROM data_import_rows WHERE import_id = ? GROUP BY phase, outcome', [id], em);
      const problems = await sql<{ row_number: number; problems: RowProblem[] }>(
        `SELECT row_number, problems FROM data_import_rows WHERE import_id = ? AND outcome = 'error'
          AND phase = (SELECT CASE WHEN status IN ('applying', 'applied') THEN 'apply' ELSE 'check' END FROM data_imports WHERE id = ?)
          ORDER BY row_number LIMIT 200`, [id, id], em);
      const planned = emptyCounts();
      const applied = emptyCounts();
      for (const c of counts) (c.phase === 'check' ? planned : applied)[c.outcome] = c.n;
      const sum = (o: Record<RowOutcome, number>) => Object.values(o).reduce((a, b) => a + b, 0);
      return {
        id, kind: row.kind, status: row.status, totalRows: row.total_rows, checkedRows: sum(planned), appliedRows: sum(applied), planned, applied,
        problems: problems.flatMap((p) => p.problems.map((q) => ({ line: p.row_number, ...q }))),
        failure: head?.failure ?? null, originalName: head?.original_name ?? null, createdAt: head!.created_at, checkedAt: head?.checked_at ?? null, appliedAt: head?.applied_at ?? null,
      };
    },

    /** The status the import's workflow moves it to (its activities only). */
    async moveTo(id: string, status: ImportStatus, failure: string | null = null): Promise<void> {
      const stamp = status === 'checked' ? ', checked_at = now()' : status === 'applied' ? ', applied_at = now()' : '';
      await sql(`UPDATE data_imports SET status = ?, failure = ?${stamp} WHERE id = ? AND status NOT IN ('applied', 'failed', 'expired')`, [status, failure, id], deps.em.fork());
    },

    /** Dry run of rows [offset, offset + limit): each row's outcome or problems; nothing else is written. */
    async checkChunk(id: string, offset: number, limit: number, heartbeat: (line: number) => void): Promise<void> {
      const { kind, rows } = await rowsOf(id);
      const seen = keysBefore(kind, rows, offset);
      const em = deps.em.fork();
      for (const row of rows.slice(offset, offset + limit)) {
        heartbeat(row.line);
        const parsed = readRow(kind, row);
        if (Array.isArray(parsed)) {
          await record(em, id, 'check', row.line, 'error', null, parsed);
          continue;
        }
        const earlier = seen.get(parsed.key);
        if (earlier !== undefined) {
          await record(em, id, 'check', row.line, 'error', null, [{ field: kind === 'models' ? 'public_code' : 'email', message: `the same key as line ${earlier}` }]);
          continue;
        }
        seen.set(parsed.key, row.line);
        const existing = await existingFor(em, kind, parsed);
        const { changes, problems } = await changesFor(em, kind, parsed, existing);
        const outcome: RowOutcome = problems.length ? 'error' : !existing ? 'create' : Object.keys(changes).length ? 'update' : 'unchanged';
        await record(em, id, 'check', row.line, outcome, existing?.id ?? null, problems);
      }
    },

    /**
     * Applies rows [offset, offset + limit) as the platform, each keyed on its natural key.
     * Rows already applied (an earlier attempt of this chunk) are skipped.
     */
    async applyChunk(id: string, offset: number, limit: number, heartbeat: (line: number) => void): Promise<void> {
      const { kind, rows } = await rowsOf(id);
      const em = deps.em.fork();
      const done = new Set((await sql<{ row_number: number }>(`SELECT row_number FROM data_import_rows WHERE import_id = ? AND phase = 'apply'`, [id], em)).map((r) => r.row_number));
      const services = { models: createModelService(deps), clients: createClientService(deps) };
      for (const row of rows.slice(offset, offset + limit)) {
        heartbeat(row.line);
        if (done.has(row.line)) continue;
        const parsed = readRow(kind, row);
        if (Array.isArray(parsed)) {
          await record(em, id, 'apply', row.line, 'error', null, parsed);
          continue;
        }
        const existing = await existingFor(em.fork(), kind, parsed);
        const { changes, problems } = await changesFor(em.fork(), kind, parsed, existing);
        if (problems.length) {
          await record(em, id, 'apply', row.line, 'error', existing?.id ?? null, problems);
          continue;
        }
        if (existing && Object.keys(changes).length === 0) {
          await record(em, id, 'apply', row.line, 'unchanged', existing.id, []);
          continue;
        }
        const caller = systemCaller(`import:${id}:${row.line}`);
        try {
          let entityId: string;
          if (kind === 'models') {
            entityId = existing
              ? (await services.models.updateModel(caller, existing.id, changes)).id
              : (await services.models.createModel(caller, {
                publicCode: String(changes.publicCode), name: String(changes.name), slug: String(changes.slug),
                primaryLocationId: (changes.primaryLocationId as string | undefined) ?? null, status: 'active',
                visibility: (changes.visibility as string | undefined) ?? 'public', ratingInternal: null,
              })).id;
            if (!existing && changes.bufferMinutes !== undefined) await services.models.updateModel(caller, entityId, { bufferMinutes: changes.bufferMinutes as number });
          } else {
            entityId = existing
              ? (await services.clients.updateClient(caller, existing.id, changes)).id
              : (await services.clients.createClient(caller, {
                fullName: (changes.fullName as string | undefined) ?? null, email: (changes.email as string | undefined) ?? null,
                phone: (changes.phone as string | undefined) ?? null, preferredChannel: (changes.preferredChannel as string | undefined) ?? null,
                tags: (changes.tags as string[] | undefined) ?? [],
              })).id;
          }
          await record(em, id, 'apply', row.line, existing ? 'update' : 'create', entityId, []);
        } catch (error) {
          // A coded refusal (a conflict that arose since the dry run) is the row's problem; anything else retries the chunk.
          if (!(error instanceof DomainError)) throw error;
          await record(em, id, 'apply', row.line, 'error', existing?.id ?? null, [{ field: String(error.details.field ?? ''), message: error.message }]);
        }
      }
    },
  };
}
