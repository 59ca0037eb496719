/**
 * Unified search (seed §5) in one SQL statement (and a second, for near spellings, only when the
 * first finds nothing): one UNION branch per kind the viewer may read, each
 * answering from the trigram indexes of Migration20261124190000_search_indexes (the expressions
 * below must stay the same as there), the stored search vectors of
 * Migration20261125090000_search_vectors, or, for a ref, from the ref's unique index. Each
 * statement is sent prepared, its values bound (statements.ts).
 *
 * Each branch takes at most CANDIDATES matches (newest first), scores them and keeps the best
 * `first`: ranking is exact among those, and counts say "100+" past that. That bounds the work
 * of a common word or name on a large table to a top-N over index hits.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AGENCY_TIME_ZONE } from './action-center.ts';
import { phoneDigits } from '../../domain/formats.ts';
import { Params, queryRows } from './statements.ts';

export const SEARCH_KINDS = ['booking', 'inquiry', 'client', 'model', 'task', 'exception'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

/** Matches considered per kind; counts are exact up to this many. */
export const CANDIDATES = 100;

export interface SearchScope {
  readonly viewerId: string;
  /** Kinds to search: requested and readable by the viewer. */
  readonly kinds: readonly SearchKind[];
  /** Without entities.read_all: inquiries, bookings, tasks, exceptions assigned to the viewer or unassigned. */
  readonly ownOrUnassignedOnly: boolean;
  /** With pii.read: any part of an email or phone matches; without it, only the whole value. */
  readonly searchContacts: boolean;
  readonly first: number;
}

export interface SearchRow {
  readonly kind: SearchKind;
  readonly id: string;
  readonly ref: string | null;
  readonly title: string;
  readonly subtitle: string | null;
  readonly status: string | null;
  readonly matched_on: string;
  readonly score: number;
  readonly email: string | null;
  readonly phone: string | null;
  readonly kind_count: number;
}

/** A human ref in any spelling: "#B-1235", "B-1235", "b-1235", "b1235". */
const REF = /^#?\s*([bite])\s*-?\s*(\d{1,12})$/i;
const REF_KIND: Record<string, SearchKind> = { B: 'booking', I: 'inquiry', T: 'task', E: 'exception' };

export function parseRef(text: string): { kind: SearchKind; ref: string } | null {
  const m = REF.exec(text.trim());
  if (!m) return null;
  const prefix = (m[1] as string).toUpperCase();
  return { kind: REF_KIND[prefix] as SearchKind, ref: `${prefix}-${m[2] as string}` };
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** A whole email address. */
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Phone-like text ("+44 7700 900123", "07700-900123"): matched on digits. */
const PHONE = /^\+?[\d\s().-]{5,}$/;

/** A statement's bound values (statements.ts): sent as a named prepared statement. */
class Statement extends Params {}

/** A letter or digit: all that trigram indexes and the full-text parser keep (they drop emoji, ★, €…). */
const WORDLIKE = /[\p{L}\p{N}]/u;

interface Terms {
  readonly text: string;
  readonly like: string;
  /**
   * Emoji or other symbols only ("💎", "★★★"): neither trigrams nor full text see them, so names
   * and texts match by plain substring (no index can narrow it; such searches are rare and scan).
   */
  readonly symbolsOnly: boolean;
  /**
   * Names by word similarity (a near spelling) instead of substring: for text shorter than a
   * trigram (a substring could not use an index), and for the second pass after nothing matched.
   */
  readonly fuzzy: boolean;
  readonly digits: string | null;
}

/**
 * A way a row can match. `cond` and `score` write their SQL afresh at each call, because
 * placeholders bind by position and a matcher appears in the WHERE, the label and the score:
 * every piece must be written inline in the SQL text, in reading order.
 */
interface Matcher {
  readonly label: string;
  cond(s: Statement): string;
  score(s: Statement): string;
}

/**
 * A name-like column: substring, or word similarity on the fuzzy pass (both trigram-index-backed),
 * scored by word similarity. Similarity is not tried together with the substring: on common names
 * its index hits are many and each must be rechecked, which costs more than the rest of the search.
 */
function nameMatcher(t: Terms, column: string, label = 'name'): Matcher {
  return {
    label: t.fuzzy ? 'similar' : label,
    cond: (s) => t.fuzzy ? `${s.bind(t.text)}::text <% ${column}` : `${column} ILIKE ${s.bind(t.like)}`,
    // Symbols have no trigrams, so no similarity: a substring hit scores as one of middling quality.
    score: (s) => t.symbolsOnly ? '0.5' : `coalesce(word_similarity(${s.bind(t.text)}::text, ${column}), 0)`,
  };
}

/**
 * Words in a text column, by full text on its stored vector; for symbols only (which the vector
 * does not hold), by substring in the texts the vector is made of.
 */
function textMatcher(t: Terms, tsvector: string, texts: string): Matcher {
  if (t.symbolsOnly) return { label: 'text', cond: (s) => `${texts} ILIKE ${s.bind(t.like)}`, score: () => '0.5' };
  return {
    label: 'text',
    cond: (s) => `${tsvector} @@ websearch_to_tsquery('english', ${s.bind(t.text)}::text)`,
    score: (s) => `ts_rank_cd(${tsvector}, websearch_to_tsquery('english', ${s.bind(t.text)}::text), 32)`,
  };
}

/**
 * Contact columns. With pii.read, any part of an email or phone matches. Without it, only the whole
 * value does (an operator looking up the caller's number or address): a partial match would let a
 * masked viewer uncover hidden digits by probing, a whole value reveals nothing they did not type.
 * The client and user lists follow the same rule.
 */
function contactMatchers(t: Terms, scope: SearchScope, emailColumn: string, phoneColumn: string): Matcher[] {
  const out: Matcher[] = [];
  if (!scope.searchContacts) return wholeContactMatchers(t, emailColumn, phoneColumn);
  // An email has no spaces: text with one cannot match, and its trigrams would only cost rechecks.
  // A whole address is looked up by equality (btree on lower(email)): its trigrams are mostly the
  // domain's, shared by every row, so the trigram index would have little to narrow.
  if (!t.fuzzy && !t.digits && !/\s/.test(t.text)) {
    const whole = EMAIL.test(t.text);
    out.push({
      label: 'email',
      cond: (s) => whole ? `lower(${emailColumn}) = lower(${s.bind(t.text)}::text)` : `${emailColumn} ILIKE ${s.bind(t.like)}`,
      score: (s) => `CASE WHEN lower(${emailColumn}) = lower(${s.bind(t.text)}::text) THEN 1 ELSE 0.8 END`,
    });
  }
  const digits = t.digits;
  if (digits) {
    const digitsOf = `regexp_replace(${phoneColumn}, '\\D', '', 'g')`;
    out.push({
      label: 'phone',
      cond: (s) => `${digitsOf} LIKE ${s.bind(`%${digits}%`)}`,
      score: (s) => `CASE WHEN ${digitsOf} = ${s.bind(digits)}::text THEN 1 ELSE 0.8 END`,
    });
  }
  return out;
}

/** A masked viewer's contact lookup: the whole email, or the whole number (at least 7 digits). */
function wholeContactMatchers(t: Terms, emailColumn: string, phoneColumn: string): Matcher[] {
  const out: Matcher[] = [];
  if (!t.fuzzy && EMAIL.test(t.text)) {
    out.push({ label: 'email', cond: (s) => `lower(${emailColumn}) = lower(${s.bind(t.text)}::text)`, score: () => '1' });
  }
  const digits = t.digits;
  if (digits && digits.length >= 7) {
    const digitsOf = `regexp_replace(${phoneColumn}, '\\D', '', 'g')`;
    // LIKE lets the digits' trigram index find the candidates; equality keeps whole numbers only.
    out.push({ label: 'phone', cond: (s) => `(${digitsOf} LIKE ${s.bind(`%${digits}%`)} AND ${digitsOf} = ${s.bind(digits)}::text)`, score: () => '1' });
  }
  return out;
}

/** Any matcher holds. */
const whereAny = (s: Statement, matchers: Matcher[]) => `(${matchers.map((m) => m.cond(s)).join(' OR ')})`;
/** The first matcher that holds, by name. */
const labelOf = (s: Statement, matchers: Matcher[]) => `CASE ${matchers.map((m) => `WHEN ${m.cond(s)} THEN '${m.label}'`).join(' ')} END`;
/** The best score among the matchers that hold. */
const scoreOf = (s: Statement, matchers: Matcher[]) => `greatest(${matchers.map((m) => `CASE WHEN ${m.cond(s)} THEN ${m.score(s)} ELSE 0 END`).join(', ')}, 0)`;

function policy(s: Statement, scope: SearchScope, alias: string): string {
  return scope.ownOrUnassignedOnly ? `AND (${alias}.assigned_to = ${s.bind(scope.viewerId)} OR ${alias}.assigned_to IS NULL)` : '';
}

/** The stored, indexed documents (Migration20261125090000_search_vectors): nothing recomputes to_tsvector. */
const TSV = {
  inquiry: 'i.search_vector',
  task: 't.search_vector',
  exception: 'x.search_vector',
};
/** The texts each vector is made of (as in that migration), for symbol-only searches. */
const TEXTS = {
  inquiry: `concat_ws(' ', i.subject, i.message)`,
  task: 't.subject',
  exception: 'x.summary',
};

/** Wraps a kind's scored candidates: its count and its best `first`. */
function ranked(s: Statement, scope: SearchScope, scoredSql: string): string {
  return `(SELECT kind, id, ref, title, subtitle, status, matched_on, score, email, phone, kind_count FROM (
      SELECT c.*, count(*) OVER () AS kind_count, row_number() OVER (ORDER BY score DESC, sort_at DESC, id) AS rn FROM (${scoredSql}) c
    ) r WHERE rn <= ${s.bind(scope.first)})`;
}

const BOOKING_COLUMNS = (start: string) => `
  'Booking #' || b.ref AS title,
  concat_ws(' • ', bm.name || coalesce(' @ ' || bl.title, ''), bc.full_name,
            to_char(b.start_at AT TIME ZONE coalesce(bl.timezone, '${AGENCY_TIME_ZONE}'), 'YYYY-MM-DD HH24:MI')) AS subtitle,
  b.status, bc.email, bc.phone, ${start} AS sort_at`;

const BOOKING_JOINS = `JOIN models bm ON bm.id = b.model_id JOIN locations bl ON bl.id = b.location_id JOIN clients bc ON bc.id = b.client_id`;

function refBranch(s: Statement, scope: SearchScope, kind: SearchKind, ref: string): string | null {
  switch (kind) {
    case 'booking':
      return `SELECT 'booking' AS kind, b.id, b.ref, ${BOOKING_COLUMNS('b.start_at')}, 'ref' AS matched_on, 2.0 AS score
                FROM bookings b ${BOOKING_JOINS} WHERE b.ref = ${s.bind(ref)} ${policy(s, scope, 'b')}`;
    case 'inquiry':
      return `SELECT 'inquiry' AS kind, i.id, i.ref, coalesce(i.client_name, i.subject, 'Inquiry ' || i.ref) AS title, concat_ws(' • ', i.subject, i.source) AS subtitle,
                     i.status, i.client_email AS email, i.client_phone AS phone, i.created_at AS sort_at, 'ref' AS matched_on, 2.0 AS score
                FROM inquiries i WHERE i.ref = ${s.bind(ref)} ${policy(s, scope, 'i')}`;
    case 'task':
      return `SELECT 'task' AS kind, t.id, t.ref, t.subject AS title, concat_ws(' • ', t.type, t.priority) AS subtitle, t.status,
                     NULL AS email, NULL AS phone, t.created_at AS sort_at, 'ref' AS matched_on, 2.0 AS score
                FROM tasks t WHERE t.ref = ${s.bind(ref)} ${policy(s, scope, 't')}`;
    case 'exception':
      return `SELECT 'exception' AS kind, x.id, x.ref, x.summary AS title, concat_ws(' • ', x.type, x.severity) AS subtitle, x.status,
                     NULL AS email, NULL AS phone, x.created_at AS sort_at, 'ref' AS matched_on, 2.0 AS score
                FROM exceptions x WHERE x.ref = ${s.bind(ref)} ${policy(s, scope, 'x')}`;
    default:
      return null;
  }
}

/** Clients matching by name, email or phone (see contactMatchers): scored, newest `limit` matches. */
function clientCandidates(s: Statement, t: Terms, scope: SearchScope, limit: number): string {
  const matchers = [nameMatcher(t, 'c.full_name'), ...contactMatchers(t, scope, 'c.email', 'c.phone')];
  return `SELECT c.*, ${labelOf(s, matchers)} AS matched_on, ${scoreOf(s, matchers)} AS score
            FROM (SELECT * FROM clients c WHERE ${whereAny(s, matchers)} ORDER BY c.created_at DESC LIMIT ${s.bind(limit)}) c`;
}

/**
 * Rows of one table matching any matcher: scored, newest CANDIDATES + 1 (to know there are more).
 * The matches are materialised before they are ordered: otherwise, when it expects many matches,
 * the planner walks the created_at index backwards and evaluates every condition (to_tsvector
 * included) on each row it passes until it has enough, which on a rare name took 200+ ms over
 * 200,000 inquiries in bench/graphql.ts; collecting them through the trigram / full-text indexes
 * costs in proportion to the matches instead.
 */
function scoredRows(s: Statement, scope: SearchScope, table: string, alias: string, columns: string, matchers: Matcher[], withPolicy: boolean): string {
  return `SELECT ${columns}, ${labelOf(s, matchers)} AS matched_on, ${scoreOf(s, matchers)} AS score
            FROM (WITH matches AS MATERIALIZED (
                    SELECT ${alias}.id, ${alias}.created_at FROM ${table} ${alias} WHERE ${whereAny(s, matchers)} ${withPolicy ? policy(s, scope, alias) : ''})
                  SELECT ${alias}.* FROM ${table} ${alias}
                    JOIN (SELECT id FROM matches ORDER BY created_at DESC LIMIT ${s.bind(CANDIDATES + 1)}) newest ON newest.id = ${alias}.id) ${alias}`;
}

function textBranch(s: Statement, t: Terms, scope: SearchScope, kind: SearchKind): string {
  switch (kind) {
    case 'client':
      return `SELECT 'client' AS kind, c.id, NULL AS ref, coalesce(c.full_name, '(no name)') AS title, c.preferred_channel AS subtitle, NULL AS status,
                     c.email, c.phone, c.created_at AS sort_at, c.matched_on, c.score
                FROM (${clientCandidates(s, t, scope, CANDIDATES + 1)}) c`;
    case 'model':
      return scoredRows(s, scope, 'models', 'm',
        `'model' AS kind, m.id, m.public_code AS ref, m.name AS title, concat_ws(' • ', m.status, m.visibility) AS subtitle, m.status,
         NULL AS email, NULL AS phone, m.created_at AS sort_at`,
        [nameMatcher(t, 'm.name'), nameMatcher(t, 'm.public_code', 'ref')], false);
    case 'booking': {
      // A booking has no words of its own: it matches through its client or its model. The best
      // 10 clients / models, each one's newest bookings (idx_bookings_client, idx_bookings_model_start),
      // ranked on (score, start) first; only the kept ones are joined for what the hit shows.
      const model = [nameMatcher(t, 'mm.name', 'model')];
      const bookingsOf = (column: string, order: string) => `
        SELECT b.id, b.start_at FROM bookings b WHERE b.${column} = m.match_id ${policy(s, scope, 'b')} ORDER BY b.${order} DESC LIMIT ${s.bind(CANDIDATES + 1)}`;
      return `SELECT 'booking' AS kind, b.id, b.ref, ${BOOKING_COLUMNS('b.start_at')}, hit.matched_on, hit.score
                FROM (
                  SELECT id, score, matched_on FROM (
                    SELECT DISTINCT ON (id) id, start_at, score, matched_on FROM (
                      SELECT bk.id, bk.start_at, m.score, 'client' AS matched_on
                        FROM (SELECT mc.id AS match_id, mc.score FROM (${clientCandidates(s, t, scope, CANDIDATES + 1)}) mc ORDER BY mc.score DESC LIMIT 10) m
                        CROSS JOIN LATERAL (${bookingsOf('client_id', 'created_at')}) bk
                      UNION ALL
                      SELECT bk.id, bk.start_at, m.score, 'model' AS matched_on
                        FROM (SELECT mm.id AS match_id, ${scoreOf(s, model)} AS score FROM models mm WHERE ${whereAny(s, model)} ORDER BY 2 DESC LIMIT 10) m
                        CROSS JOIN LATERAL (${bookingsOf('model_id', 'start_at')}) bk
                    ) u ORDER BY id, score DESC
                  ) d ORDER BY score DESC, start_at DESC LIMIT ${s.bind(CANDIDATES + 1)}
                ) hit
                JOIN bookings b ON b.id = hit.id ${BOOKING_JOINS}`;
    }
    case 'inquiry':
      return scoredRows(s, scope, 'inquiries', 'i',
        `'inquiry' AS kind, i.id, i.ref, coalesce(i.client_name, i.subject, 'Inquiry ' || i.ref) AS title, concat_ws(' • ', i.subject, i.source) AS subtitle,
         i.status, i.client_email AS email, i.client_phone AS phone, i.created_at AS sort_at`,
        [nameMatcher(t, 'i.client_name'), textMatcher(t, TSV.inquiry, TEXTS.inquiry), ...contactMatchers(t, scope, 'i.client_email', 'i.client_phone')], true);
    case 'task':
      return scoredRows(s, scope, 'tasks', 't',
        `'task' AS kind, t.id, t.ref, t.subject AS title, concat_ws(' • ', t.type, t.priority) AS subtitle, t.status,
         NULL AS email, NULL AS phone, t.created_at AS sort_at`,
        [textMatcher(t, TSV.task, TEXTS.task)], true);
    case 'exception':
      return scoredRows(s, scope, 'exceptions', 'x',
        `'exception' AS kind, x.id, x.ref, x.summary AS title, concat_ws(' • ', x.type, x.severity) AS subtitle, x.status,
         NULL AS email, NULL AS phone, x.created_at AS sort_at`,
        [textMatcher(t, TSV.exception, TEXTS.exception)], true);
  }
}

/** Kinds matched by name, the only ones the fuzzy pass looks at again. */
const NAMED_KINDS: readonly SearchKind[] = ['booking', 'inquiry', 'client', 'model'];

async function execute(em: EntityManager, s: Statement, branches: string[]): Promise<SearchRow[]> {
  if (branches.length === 0) return [];
  const rows = await queryRows<SearchRow>(em, branches.join('\nUNION ALL\n'), s);
  return rows.map((r) => ({ ...r, score: Number(r.score), kind_count: Number(r.kind_count) }));
}

function textStatement(terms: Terms, scope: SearchScope, kinds: readonly SearchKind[]): [Statement, string[]] {
  const s = new Statement();
  return [s, kinds.map((kind) => ranked(s, scope, textBranch(s, terms, scope, kind)))];
}

/**
 * One statement per pass: a ref finds exactly its entity; other text matches by substring,
 * full text and contacts (see contactMatchers); only when that finds nothing at all does a second
 * pass try near spellings of names ("Jmaes Carter"), so the common case pays for one pass.
 */
export async function runSearch(em: EntityManager, text: string, scope: SearchScope): Promise<SearchRow[]> {
  const ref = parseRef(text);
  if (ref) {
    if (!scope.kinds.includes(ref.kind)) return [];
    const s = new Statement();
    const branch = refBranch(s, scope, ref.kind, ref.ref);
    return execute(em, s, branch ? [ranked(s, scope, branch)] : []);
  }
  const digits = PHONE.test(text) ? phoneDigits(text) : '';
  const symbolsOnly = !WORDLIKE.test(text);
  // Characters, not UTF-16 units: "💎" is one character (and symbols have no near spellings).
  const fuzzy = !symbolsOnly && [...text].length < 3;
  const terms: Terms = { text, like: `%${escapeLike(text)}%`, symbolsOnly, fuzzy, digits: digits.length >= 5 ? digits : null };
  const rows = await execute(em, ...textStatement(terms, scope, scope.kinds));
  // Near spellings are for names: not for addresses, symbols or anything with digits in it.
  if (rows.length > 0 || terms.fuzzy || symbolsOnly || /[@\d]/.test(text)) return rows;
  return execute(em, ...textStatement({ ...terms, fuzzy: true }, scope, scope.kinds.filter((k) => NAMED_KINDS.includes(k))));
}
