/**
 * CSV imports of models and clients (issue 14 item 8, seed §9 heavy queue): the kinds, their
 * columns and natural keys, the statuses an import moves through, and who may import what.
 * An import is checked first (a dry run: per-row errors, nothing written), then applied on
 * request; applying keys every row on its natural key, so the same file applied twice creates
 * nothing the second time.
 */
import type { PermissionCode } from './access.ts';

export const IMPORT_KINDS = ['models', 'clients'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/**
 * uploaded → checking → checked → applying → applied; failed when the file cannot be processed;
 * expired when a checked import is not applied in time.
 */
export const IMPORT_STATUSES = ['uploaded', 'checking', 'checked', 'applying', 'applied', 'failed', 'expired'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** What a row does when applied (decided in the dry run, done in the apply). */
export const ROW_OUTCOMES = ['create', 'update', 'unchanged', 'error'] as const;
export type RowOutcome = (typeof ROW_OUTCOMES)[number];

/** Importing a kind needs the right to write it. */
export const IMPORT_PERMISSION: Readonly<Record<ImportKind, PermissionCode>> = {
  models: 'models.write',
  clients: 'clients.write',
};

/** Columns of each kind's CSV (header names, case-insensitive); the first set must be present. */
export const IMPORT_COLUMNS: Readonly<Record<ImportKind, { required: readonly string[]; optional: readonly string[] }>> = {
  models: { required: ['public_code', 'name'], optional: ['slug', 'visibility', 'primary_location', 'buffer_minutes'] },
  clients: { required: [], optional: ['full_name', 'email', 'phone', 'preferred_channel', 'tags'] },
};

/** Rows per activity: each chunk is one activity with heartbeats, so a restart redoes at most one. */
export const IMPORT_CHUNK_ROWS = 100;

/** Rows an import may have. */
export const IMPORT_MAX_ROWS = 50_000;

/** How long a checked import waits to be applied before it expires. */
export const IMPORT_APPLY_WINDOW_DAYS = 7;

/** A header as written ("Public Code", "public-code") in the form the columns use (public_code). */
export function columnName(header: string): string {
  return header.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/** Missing required columns and unknown ones, for a header row. */
export function headerProblems(kind: ImportKind, headers: readonly string[]): { missing: string[]; unknown: string[] } {
  const known = [...IMPORT_COLUMNS[kind].required, ...IMPORT_COLUMNS[kind].optional];
  return {
    missing: IMPORT_COLUMNS[kind].required.filter((c) => !headers.includes(c)),
    unknown: headers.filter((h) => !known.includes(h)),
  };
}
