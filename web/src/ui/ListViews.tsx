/**
 * Bookings and Inquiries (g b, g i): filters in the URL, cursor paging ("Load more"), the same
 * card on the right; and for ops managers, Stuck work: SLA breached, unchanged for longer than a
 * threshold, failing activities (from Temporal) and automation executions (failed first), each
 * linked to its workflow in the Temporal UI.
 */
import { useEffect, useMemo, useState } from 'react';
import { useQuery } from 'urql';
import {
  BookingsDocument, InquiriesDocument, StuckWorkDocument,
  type BookingStatus, type BookingsQuery, type InquiriesQuery, type InquirySource, type InquiryStatus, type StuckWorkQuery,
} from '../graphql/generated.ts';
import type { CardRef } from '../logic/routes.ts';
import { dateTime, humanize } from './format.ts';
import { navigate, useRoute } from './hooks.ts';
import { useWorkspace, type ListRow } from './Workspace.tsx';

const BOOKING_STATUSES: BookingStatus[] = ['draft', 'pending', 'deposit_required', 'confirmed', 'in_progress', 'completed', 'cancelled', 'no_show', 'expired'];
const INQUIRY_STATUSES: InquiryStatus[] = ['new', 'qualified', 'awaiting_client', 'awaiting_deposit', 'converted', 'lost', 'spam'];
const SOURCES: InquirySource[] = ['web', 'telegram', 'whatsapp', 'phone', 'partner'];
const PAGE = 25;

/** A filter kept in the URL, so a reload or a shared link shows the same list. */
function useParam(name: string): [string, (value: string) => void] {
  const route = useRoute();
  const value = route.params[name] ?? '';
  const set = (next: string) => {
    const params = { ...route.params };
    if (next) params[name] = next;
    else delete params[name];
    navigate({ ...route, params }, true);
  };
  return [value, set];
}

function Select({ id, label, value, options, onChange }: { id: string; label: string; value: string; options: Array<[string, string]>; onChange: (v: string) => void }) {
  return (
    <span className="filter">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Any</option>
        {options.map(([v, text]) => <option key={v} value={v}>{text}</option>)}
      </select>
    </span>
  );
}

function useRows(rows: ListRow[]) {
  const ws = useWorkspace();
  const key = rows.map((r) => r.key).join();
  const setRows = ws.setRows;
  useEffect(() => setRows(rows), [key, setRows]);
}

/** Pages after the first, accumulated as "Load more" is pressed; reset when filters change. */
function usePages<T>(filterKey: string): [T[], (items: T[]) => void] {
  const [pages, setPages] = useState<{ key: string; items: T[] }>({ key: filterKey, items: [] });
  const items = pages.key === filterKey ? pages.items : [];
  return [items, (more) => setPages({ key: filterKey, items: [...items, ...more] })];
}

type BookingNode = BookingsQuery['bookings']['edges'][number]['node'];

export function BookingsView() {
  const ws = useWorkspace();
  const [status, setStatus] = useParam('status');
  const [assignee, setAssignee] = useParam('assignee');
  const [q, setQ] = useParam('q');
  const variables = { first: PAGE, status: status ? [status as BookingStatus] : null, assignee: assignee || null, q: q || null };
  const [result] = useQuery({ query: BookingsDocument, variables });
  const filterKey = JSON.stringify(variables);
  const [more, addMore] = usePages<BookingNode>(filterKey);
  const [cursor, setCursor] = useState<string | null>(null);
  useEffect(() => setCursor(result.data?.bookings.pageInfo.endCursor ?? null), [result.data]);
  const [hasMore, setHasMore] = useState(false);
  useEffect(() => setHasMore(result.data?.bookings.pageInfo.hasNextPage ?? false), [result.data]);
  const nodes = [...(result.data?.bookings.edges.map((e) => e.node) ?? []), ...more];
  const rows = useMemo(() => nodes.map((b): ListRow => ({ key: b.id, card: { type: 'booking', id: b.id } })), [nodes.map((n) => n.id).join()]);
  useRows(rows);
  const loadMore = async () => {
    const page = await ws.wb.client.query(BookingsDocument, { ...variables, after: cursor }).toPromise();
    addMore(page.data?.bookings.edges.map((e) => e.node) ?? []);
    setCursor(page.data?.bookings.pageInfo.endCursor ?? null);
    setHasMore(page.data?.bookings.pageInfo.hasNextPage ?? false);
  };
  return (
    <div>
      <h1 className="view-title">Bookings</h1>
      <div className="filters" role="group" aria-label="Filters">
        <Select id="f-status" label="Status" value={status} onChange={setStatus} options={BOOKING_STATUSES.map((s) => [s, humanize(s)])} />
        <Select id="f-assignee" label="Assignee" value={assignee} onChange={setAssignee} options={[['me', 'Me'], ['unassigned', 'Unassigned']]} />
        <span className="filter"><label htmlFor="f-q">Ref, client or model</label><input id="f-q" type="text" defaultValue={q} onChange={(e) => setQ(e.target.value)} /></span>
      </div>
      <Table rows={nodes.map((b) => ({ id: b.id, card: { type: 'booking', id: b.id }, cells: [`#${b.ref}`, humanize(b.status), b.clientName ?? '—', b.modelName, b.locationTitle, dateTime(b.startAt), b.paymentStatus ? humanize(b.paymentStatus) : '—'] }))}
        headers={['Ref', 'Status', 'Client', 'Model', 'Location', 'Start', 'Payment']} loading={result.fetching} />
      {hasMore && <button type="button" onClick={() => void loadMore()}>Load more</button>}
    </div>
  );
}

type InquiryNode = InquiriesQuery['inquiries']['edges'][number]['node'];

export function InquiriesView() {
  const ws = useWorkspace();
  const [status, setStatus] = useParam('status');
  const [source, setSource] = useParam('source');
  const [assignee, setAssignee] = useParam('assignee');
  const [q, setQ] = useParam('q');
  const variables = { first: PAGE, status: status ? [status as InquiryStatus] : null, source: source ? [source as InquirySource] : null, assignee: assignee || null, q: q || null };
  const [result] = useQuery({ query: InquiriesDocument, variables });
  const [more, addMore] = usePages<InquiryNode>(JSON.stringify(variables));
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  useEffect(() => {
    setCursor(result.data?.inquiries.pageInfo.endCursor ?? null);
    setHasMore(result.data?.inquiries.pageInfo.hasNextPage ?? false);
  }, [result.data]);
  const nodes = [...(result.data?.inquiries.edges.map((e) => e.node) ?? []), ...more];
  const rows = useMemo(() => nodes.map((i): ListRow => ({ key: i.id, card: { type: 'inquiry', id: i.id } })), [nodes.map((n) => n.id).join()]);
  useRows(rows);
  const loadMore = async () => {
    const page = await ws.wb.client.query(InquiriesDocument, { ...variables, after: cursor }).toPromise();
    addMore(page.data?.inquiries.edges.map((e) => e.node) ?? []);
    setCursor(page.data?.inquiries.pageInfo.endCursor ?? null);
    setHasMore(page.data?.inquiries.pageInfo.hasNextPage ?? false);
  };
  return (
    <div>
      <h1 className="view-title">Inquiries</h1>
      <div className="filters" role="group" aria-label="Filters">
        <Select id="f-status" label="Status" value={status} onChange={setStatus} options={INQUIRY_STATUSES.map((s) => [s, humanize(s)])} />
        <Select id="f-source" label="Source" value={source} onChange={setSource} options={SOURCES.map((s) => [s, humanize(s)])} />
        <Select id="f-assignee" label="Assignee" value={assignee} onChange={setAssignee} options={[['me', 'Me'], ['unassigned', 'Unassigned']]} />
        <span className="filter"><label htmlFor="f-q">Text</label><input id="f-q" type="text" defaultValue={q} onChange={(e) => setQ(e.target.value)} /></span>
      </div>
      <Table rows={nodes.map((i) => ({ id: i.id, card: { type: 'inquiry', id: i.id }, cells: [`#${i.ref}`, humanize(i.status), humanize(i.source), i.clientName ?? '—', i.clientEmail ?? '—', i.subject ?? '—', dateTime(i.createdAt)] }))}
        headers={['Ref', 'Status', 'Source', 'Client', 'Email', 'Subject', 'Received']} loading={result.fetching} />
      {hasMore && <button type="button" onClick={() => void loadMore()}>Load more</button>}
    </div>
  );
}

function Table({ headers, rows, loading }: { headers: string[]; rows: Array<{ id: string; card: CardRef; cells: string[] }>; loading: boolean }) {
  const ws = useWorkspace();
  return (
    <table className="grid" aria-busy={loading}>
      <thead><tr>{headers.map((h) => <th key={h} scope="col">{h}</th>)}</tr></thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} aria-current={ws.selectedKey === r.id ? 'true' : undefined} className={ws.selectedKey === r.id ? 'selected' : undefined}
            onClick={() => { ws.select(r.id); ws.openCard(r.card); }}>
            {r.cells.map((c, i) => <td key={i}>{i === 0 ? <a href={`?card=${r.card.type}:${r.id}`} onClick={(e) => e.preventDefault()}>{c}</a> : c}</td>)}
          </tr>
        ))}
        {!loading && rows.length === 0 && <tr><td colSpan={headers.length}>Nothing matches these filters.</td></tr>}
      </tbody>
    </table>
  );
}

const STUCK_HOURS = 24;
const CARD_TYPES = ['booking', 'inquiry', 'client', 'task', 'exception'];

type StuckRow = { id: string; card?: CardRef; text: string; workflowId?: string | null; detail?: string | null };

/** A workflow's page in the Temporal UI (ops managers get the UI's address from the API). */
function WorkflowLink({ workflowId }: { workflowId: string }) {
  const ws = useWorkspace();
  if (!ws.temporalUi) return null;
  return <a href={`${ws.temporalUi.url}/namespaces/${encodeURIComponent(ws.temporalUi.namespace)}/workflows/${encodeURIComponent(workflowId)}`} target="_blank" rel="noreferrer noopener">Workflow ↗</a>;
}

type Execution = NonNullable<StuckWorkQuery['failedExecutions']>['edges'][number]['node'];

/** Failed executions first, then the latest others (each once). */
function executionsFailedFirst(failed: Execution[], recent: Execution[]): Execution[] {
  const seen = new Set(failed.map((e) => e.id));
  return [...failed, ...recent.filter((e) => !seen.has(e.id))];
}

export function StuckView() {
  const ws = useWorkspace();
  const [stuckBefore] = useState(() => new Date(Date.now() - STUCK_HOURS * 3600_000).toISOString());
  const [result] = useQuery({ query: StuckWorkDocument, variables: { stuckBefore }, requestPolicy: 'cache-and-network' });
  const d = result.data;
  const old = (iso: string) => iso < stuckBefore;
  const scan = d?.failingActivities;
  const sections: Array<{ title: string; note?: string; rows: StuckRow[] }> = d ? [
    { title: 'SLA breached tasks', rows: d.breachedTasks.edges.map(({ node: t }) => ({ id: t.id, card: { type: 'task', id: t.id }, text: `${t.ref} ${t.subject} · ${humanize(t.status)} · deadline ${dateTime(t.slaDeadlineAt)}`, workflowId: t.workflowId })) },
    { title: 'SLA breached exceptions', rows: d.breachedExceptions.edges.map(({ node: x }) => ({ id: x.id, card: { type: 'exception', id: x.id }, text: `${x.ref} ${x.summary} · ${humanize(x.severity)} · ${humanize(x.status)}`, workflowId: x.workflowId })) },
    { title: `Bookings unchanged for ${STUCK_HOURS} h`, rows: d.pendingBookings.edges.filter(({ node: b }) => old(b.updatedAt)).map(({ node: b }) => ({ id: b.id, card: { type: 'booking', id: b.id }, text: `#${b.ref} ${humanize(b.status)} · ${b.clientName ?? ''} · since ${dateTime(b.updatedAt)}`, workflowId: b.workflowId })) },
    { title: `Inquiries unchanged for ${STUCK_HOURS} h`, rows: d.staleInquiries.edges.filter(({ node: i }) => old(i.updatedAt)).map(({ node: i }) => ({ id: i.id, card: { type: 'inquiry', id: i.id }, text: `#${i.ref} ${humanize(i.status)} · ${i.clientName ?? ''} · since ${dateTime(i.updatedAt)}`, workflowId: i.workflowId })) },
    {
      title: 'Failing activities (Temporal)',
      note: scan ? `Temporal is retrying these. Looked at ${scan.scannedWorkflows} running workflows${scan.complete ? '' : ' (not all of them: the newest first)'}.` : 'Temporal could not be asked.',
      rows: (scan?.activities ?? []).map((a) => ({
        id: `${a.workflowId}/${a.runId}/${a.activityType}`,
        text: `${a.ref ? `${humanize(a.entityType ?? '')} ${a.ref}` : a.workflowType} · ${a.activityType} · attempt ${a.attempt}${a.maximumAttempts ? ` of ${a.maximumAttempts}` : ''} · ${humanize(a.state)}${a.nextAttemptAt ? ` · next ${dateTime(a.nextAttemptAt)}` : ''}`,
        detail: a.lastFailure, workflowId: a.workflowId,
      })),
    },
    {
      title: 'Automation executions (failed first)',
      rows: executionsFailedFirst(d.failedExecutions.edges.map((e) => e.node), d.recentExecutions.edges.map((e) => e.node)).map((e) => ({
        id: e.id,
        card: e.entityType && e.entityId && CARD_TYPES.includes(e.entityType) ? { type: e.entityType as CardRef['type'], id: e.entityId } : undefined,
        text: `${e.rule?.name ?? `Rule ${e.ruleId.slice(0, 8)}`} · ${e.status}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''} · ${e.eventType ?? ''} · ${dateTime(e.startedAt)}`,
        detail: e.status === 'failed' ? `${e.failedAction !== null && e.failedAction !== undefined ? `action ${e.failedAction + 1}: ` : ''}${e.error ?? ''}` : null,
        workflowId: e.workflowId,
      })),
    },
  ] : [];
  const rows = useMemo(() => sections.flatMap((s) => s.rows.flatMap((r): ListRow[] => (r.card ? [{ key: r.id, card: r.card }] : [])))
    , [d]);
  useRows(rows);
  if (result.error && !d) return <p role="alert">{result.error.message}</p>;
  if (!d) return <p role="status">Loading…</p>;
  return (
    <div>
      <h1 className="view-title">Stuck work</h1>
      <p className="muted">Find the same in the Temporal UI with <code>VirelSlaBreached = true AND ExecutionStatus = 'Running'</code>.</p>
      {sections.map((s) => (
        <section key={s.title} className="group" aria-label={s.title}>
          <h2>{s.title} ({s.rows.length})</h2>
          {s.note && <p className="muted">{s.note}</p>}
          {s.rows.length === 0 ? <p className="empty">None.</p> : (
            <ul>{s.rows.map((r) => (
              <li key={r.id} data-stuck-id={r.id} className={ws.selectedKey === r.id ? 'selected' : undefined}>
                {r.card ? <a href={`?card=${r.card.type}:${r.card.id}`} onClick={(e) => { e.preventDefault(); ws.select(r.id); ws.openCard(r.card as CardRef); }}>{r.text}</a> : r.text}
                {r.workflowId && <> · <WorkflowLink workflowId={r.workflowId} /></>}
                {r.detail && <div><small className="failure">{r.detail}</small></div>}
              </li>
            ))}</ul>
          )}
        </section>
      ))}
    </div>
  );
}
