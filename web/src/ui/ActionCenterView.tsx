/**
 * The Action Center (seed §5): URGENT / HIGH / NORMAL with counts, items in the seed's order on
 * the local clock (logic/action-list.ts), a ticking SLA countdown (amber from the warning, red
 * once breached), the entity summary (masked by the server for operators), age, quick actions,
 * "Show completed (N)". Live: actionCenterUpdates drop finished or reassigned items at once and
 * refetch; after a reconnect the list is refetched (the catch-up) and the badge says so.
 */
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useQuery, useSubscription } from 'urql';
import { connection } from '../graphql/connection.ts';
import {
  ActionCenterDocument, ActionCenterUpdatesDocument, ActionItemsPageDocument, CompletedTodayDocument,
  type ActionGroupName, type ActionItemFieldsFragment,
} from '../graphql/generated.ts';
import { arrange, flatten } from '../logic/action-list.ts';
import { decide, SeenEvents } from '../logic/live.ts';
import { formatAge, slaView } from '../logic/sla.ts';
import type { CardRef, CardType } from '../logic/routes.ts';
import { humanize } from './format.ts';
import { useConnection, useNow } from './hooks.ts';
import { useWorkspace, type ListRow } from './Workspace.tsx';

const PAGE = 50;
const GROUP_TITLES: Record<ActionGroupName, string> = { URGENT: 'URGENT', HIGH: 'HIGH PRIORITY', NORMAL: 'NORMAL' };
const GROUP_HINTS: Record<ActionGroupName, string> = { URGENT: 'Needs immediate attention', HIGH: '', NORMAL: '' };
const CARD_TYPES = new Set<string>(['booking', 'inquiry', 'client', 'task', 'exception', 'model']);

export function rowOf(item: ActionItemFieldsFragment): ListRow {
  const entity: CardRef | null = CARD_TYPES.has(item.entity.type) ? { type: item.entity.type as CardType, id: item.entity.id } : null;
  return {
    key: item.id,
    card: { type: item.kind, id: item.id },
    entity,
    item: { kind: item.kind, id: item.id, type: item.type, ref: item.ref, quickActions: item.quickActions },
  };
}

export function ActionCenterView() {
  const ws = useWorkspace();
  const { optimistic } = ws.wb;
  const [result, refetch] = useQuery({ query: ActionCenterDocument, variables: { first: PAGE } });
  const [extra, setExtra] = useState<Record<string, ActionItemFieldsFragment[]>>({});
  const [removedLive, setRemovedLive] = useState<ReadonlySet<string>>(new Set());
  const now = useNow(1000);
  useSyncExternalStore((l) => optimistic.subscribe(l), () => optimistic.snapshot());
  const conn = useConnection();
  const seen = useMemo(() => new SeenEvents(), []);

  // Coalesce bursts of updates into one refetch.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const refresh = useMemo(() => () => {
    clearTimeout(pending.current);
    pending.current = setTimeout(() => refetch({ requestPolicy: 'network-only' }), 30);
  }, [refetch]);

  useSubscription({ query: ActionCenterUpdatesDocument }, (_previous, data) => {
    const update = data.actionCenterUpdates;
    if (seen.first(update.eventId)) {
      const decision = decide(update, ws.user.id);
      if (decision.removeId) setRemovedLive((s) => new Set(s).add(decision.removeId as string));
      if (decision.refetch) refresh();
    }
    return data;
  });

  // After a dropped connection: catch up on what was missed, and say so.
  const epoch = conn.epoch;
  useEffect(() => {
    if (epoch === 0) return;
    refetch({ requestPolicy: 'network-only' });
  }, [epoch, refetch]);
  const fetching = result.fetching;
  useEffect(() => {
    if (epoch > 0 && !fetching && result.data) connection.caughtUp(Date.now());
    // Once per reconnect, when its refetch has landed.

  }, [epoch, fetching]);
  useEffect(() => {
    if (ws.changes > 0) refresh();
  }, [ws.changes, refresh]);

  const data = result.data?.actionCenter;
  const serverItems = useMemo(() => {
    if (!data) return [];
    const items = data.groups.flatMap((g) => [...g.items, ...(extra[g.name] ?? [])]);
    return items.map((i) => optimistic.apply(i));
    // optimistic.snapshot() changes re-render; apply reads the current patches.
  }, [data, extra, optimistic, optimistic.snapshot()]);

  // A fresh list from the server settles optimistic removals and live removals it confirms.
  useEffect(() => {
    if (!data) return;
    const present = new Set(data.groups.flatMap((g) => g.items.map((i) => i.id)));
    optimistic.reconcile(present);
    setRemovedLive((s) => (s.size ? new Set([...s].filter((id) => present.has(id))) : s));
  }, [data, optimistic]);

  const hidden = useMemo(() => new Set([...optimistic.hiddenIds(), ...removedLive]), [removedLive, optimistic, optimistic.snapshot()]);
  const counts = data ? { URGENT: data.counts.urgent, HIGH: data.counts.high, NORMAL: data.counts.normal } : undefined;
  const groups = arrange(serverItems, now, hidden, counts);
  const rows = useMemo(() => flatten(groups).map(rowOf), [groups.map((g) => g.items.map((i) => i.id).join()).join('|')]);
  const setRows = ws.setRows;
  useEffect(() => setRows(rows), [rows, setRows]);

  const loadMore = async (group: ActionGroupName) => {
    const info = data?.groups.find((g) => g.name === group);
    const loaded = extra[group] ?? [];
    const after = loaded.length ? undefined : info?.endCursor;
    const page = await ws.wb.client.query(ActionItemsPageDocument, { group, after: after ?? null }).toPromise();
    const nodes = page.data?.actionItems.edges.map((e) => e.node) ?? [];
    setExtra((x) => ({ ...x, [group]: [...loaded, ...nodes] }));
  };

  if (result.error && !data) return <p role="alert" className="error">The Action Center could not be loaded: {result.error.message}</p>;
  if (!data) return <p role="status" aria-busy="true">Loading the Action Center…</p>;
  return (
    <div className="action-center">
      <h1 className="view-title">Action Center <small>{data.counts.total} open · {data.counts.breached} breached</small></h1>
      {groups.map((group) => {
        const info = data.groups.find((g) => g.name === group.name);
        const more = info?.hasNextPage && !(extra[group.name]?.length);
        return (
          <section key={group.name} className={`group group-${group.name.toLowerCase()}`} aria-labelledby={`group-${group.name}`}>
            <h2 id={`group-${group.name}`}>
              {GROUP_TITLES[group.name]} (<span data-count={group.name}>{group.count}</span>)
              {GROUP_HINTS[group.name] && <span className="hint"> — {GROUP_HINTS[group.name]}</span>}
            </h2>
            {group.items.length === 0 ? <p className="empty">Nothing here.</p> : (
              <ul aria-label={`${GROUP_TITLES[group.name]} items`}>
                {group.items.map((item) => <ItemRow key={item.id} item={item} now={now} pending={optimistic.isPending(item.id)} />)}
              </ul>
            )}
            {more && <button type="button" className="link" onClick={() => void loadMore(group.name)}>Show more ({group.count - group.items.length})</button>}
          </section>
        );
      })}
      <Completed count={data.counts.completedToday} since={data.counts.completedSince} />
    </div>
  );
}

function ItemRow({ item, now, pending }: { item: ActionItemFieldsFragment; now: number; pending: boolean }) {
  const ws = useWorkspace();
  const row = rowOf(item);
  const selected = ws.selectedKey === item.id;
  const sla = slaView(item, now);
  const ref = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (selected) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  const contact = [item.entity.clientName, item.entity.clientPhone, item.entity.clientEmail].filter(Boolean).join(' • ');
  return (
    <li ref={ref} aria-current={selected ? 'true' : undefined} className={`item severity-${item.severity}${pending ? ' pending' : ''}`}
      data-item-id={item.id} data-ref={item.ref} onClick={() => ws.select(item.id)} onDoubleClick={() => ws.openCard(row.card)}>
      <div className="line1">
        <span className={`dot dot-${item.severity}`} role="img" aria-label={`Severity ${item.severity}`} />
        <span className={`kind kind-${item.kind}`}>{item.kind === 'task' ? 'Task' : 'Exception'}:</span>
        <span className="title">{item.title}</span>
        <span className="type">{humanize(item.type)}</span>
        {sla.tone !== 'none' && <span className={`sla sla-${sla.tone}`} data-sla={sla.tone}>{sla.label}</span>}
        {item.assigneeId === null && <span className="badge">Unassigned</span>}
        <span className="age">{formatAge(item.createdAt, now)}</span>
      </div>
      <div className="line2">
        <span className="ref">{item.ref}</span> · <span className="summary">{item.entity.summary}</span>
        {contact && <span className="contact"> · {contact}</span>}
      </div>
      <div className="actions" role="group" aria-label={`Actions for ${item.ref}`}>
        {item.quickActions.filter((a) => a.kind !== 'ADD_NOTE').map((action) => (
          <button key={`${action.kind}-${action.toStatus ?? ''}-${action.entityId}`} type="button" disabled={pending}
            onClick={(e) => { e.stopPropagation(); ws.quick(row, action); }}>{labelOf(action.label)}</button>
        ))}
        {item.quickActions.some((a) => a.kind === 'ADD_NOTE') && (
          <>
            <button type="button" disabled={pending} onClick={(e) => {
              e.stopPropagation();
              const note = item.quickActions.find((a) => a.kind === 'ADD_NOTE');
              if (note) ws.openDialog({ kind: 'note', row, action: { ...note, label: 'Contact' }, preset: 'Contacted the client: ' });
            }}>Contact</button>
            <button type="button" disabled={pending} onClick={(e) => {
              e.stopPropagation();
              const note = item.quickActions.find((a) => a.kind === 'ADD_NOTE');
              if (note) ws.quick(row, note);
            }}>Note</button>
          </>
        )}
        {ws.may('escalations.manage') && item.quickActions.length > 0 && (
          <button type="button" disabled={pending} onClick={(e) => { e.stopPropagation(); ws.openDialog({ kind: 'assign', row }); }}>Assign…</button>
        )}
        <button type="button" className="link" onClick={(e) => { e.stopPropagation(); ws.select(item.id); ws.openCard(row.card); }}>View</button>
      </div>
    </li>
  );
}

/** The seed's primary actions stand out (✅ Confirm). */
const PRIMARY = new Set(['Confirm booking', 'Complete', 'Resolve']);
function labelOf(label: string): string {
  return PRIMARY.has(label) ? `✓ ${label}` : label;
}

/**
 * "Show completed (N)": the server counts and lists the same things (tasks of mine done, exceptions
 * I resolved or dismissed, since the agency's midnight), refetched when the count moves.
 */
function Completed({ count, since }: { count: number; since: string }) {
  const [open, setOpen] = useState(false);
  const [result, refetch] = useQuery({ query: CompletedTodayDocument, variables: { since }, pause: !open, requestPolicy: 'network-only' });
  useEffect(() => {
    if (open) refetch({ requestPolicy: 'network-only' });
  }, [count, open, refetch]);
  const items = [
    ...(result.data?.tasks.edges.map((e) => ({ id: e.node.id, ref: e.node.ref, title: e.node.subject, status: e.node.status, at: e.node.completedAt ?? e.node.updatedAt })) ?? []),
    ...(result.data?.exceptions.edges.map((e) => ({ id: e.node.id, ref: e.node.ref, title: e.node.summary, status: e.node.status, at: e.node.resolvedAt ?? e.node.updatedAt })) ?? []),
  ].sort((a, b) => b.at.localeCompare(a.at));
  const more = count - items.length;
  return (
    <section className="completed">
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>{open ? 'Hide' : 'Show'} completed ({count})</button>
      {open && (result.fetching && !result.data ? <p role="status">Loading…</p> : (
        <>
          <ul>{items.map((i) => <li key={i.id}><span className="ref">{i.ref}</span> {i.title} <span className="badge">{humanize(i.status)}</span></li>)}</ul>
          {more > 0 && <p className="muted">and {more} more</p>}
        </>
      ))}
    </section>
  );
}
