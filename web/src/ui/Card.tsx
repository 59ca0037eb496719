/**
 * The card sidebar (seed §5: list left, card right): booking, inquiry, client, task or exception
 * with its details, timeline, upcoming timers, payments (when the viewer may see them), actions
 * (only the next statuses the API offers this viewer), and for ops managers a link to the
 * entity's workflow in the Temporal UI. Refetched live through entityUpdates.
 */
import { useEffect, type ReactNode } from 'react';
import { useQuery, useSubscription } from 'urql';
import {
  BookingCardDocument, BookingPaymentsDocument, ClientCardDocument, EntityAuditDocument, EntityUpdatesDocument,
  ExceptionCardDocument, InquiryCardDocument, TaskCardDocument, type LifecycleEntityType,
} from '../graphql/generated.ts';
import type { CardRef } from '../logic/routes.ts';
import { formatDuration } from '../logic/sla.ts';
import { assign, perform } from './actions.ts';
import { dateTime, humanize, KIND_LABEL } from './format.ts';
import { useNow } from './hooks.ts';
import { useWorkspace } from './Workspace.tsx';

const LIFECYCLE = new Set(['booking', 'inquiry', 'task', 'exception']);

export function Card({ card }: { card: CardRef }) {
  const ws = useWorkspace();
  return (
    <div className="card" data-card={`${card.type}:${card.id}`}>
      <button type="button" className="close" aria-label="Close card (Esc)" onClick={() => ws.openCard(null)}>×</button>
      {card.type === 'booking' && <BookingCard id={card.id} />}
      {card.type === 'inquiry' && <InquiryCard id={card.id} />}
      {card.type === 'client' && <ClientCard id={card.id} />}
      {card.type === 'task' && <TaskCard id={card.id} />}
      {card.type === 'exception' && <ExceptionCard id={card.id} />}
      {card.type === 'model' && <p>Model profiles are edited in the catalogue.</p>}
    </div>
  );
}

/** Refetch `refetch` whenever the entity changes (entityUpdates), so the card stays live. */
function useLive(type: string, id: string, refetch: () => void) {
  useSubscription({ query: EntityUpdatesDocument, variables: { entity: { type: type as LifecycleEntityType, id } }, pause: !LIFECYCLE.has(type) }, (_p, data) => {
    refetch();
    return data;
  });
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return <><dt>{label}</dt><dd>{children ?? '—'}</dd></>;
}

function WorkflowLink({ workflowId }: { workflowId: string }) {
  const ws = useWorkspace();
  if (!ws.may('escalations.manage') || !ws.temporalUi) return null;
  const href = `${ws.temporalUi.url}/namespaces/${encodeURIComponent(ws.temporalUi.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return <p><a href={href} target="_blank" rel="noreferrer noopener">Open workflow in Temporal UI ↗</a></p>;
}

/** Status changes: the API's nextStatuses for this viewer, assign to me, a note. */
function Actions({ type, id, nextStatuses, assigneeId, after }: { type: LifecycleEntityType; id: string; nextStatuses: readonly string[]; assigneeId: string | null; after: () => void }) {
  const ws = useWorkspace();
  const entity = { type, id };
  const run = async (label: string, step: () => Promise<string | null>) => {
    await perform(ws.wb, id, label, { kind: 'patch', patch: {} }, [step]);
    after();
  };
  const writable = nextStatuses.length > 0 || ws.may(`${type === 'inquiry' ? 'inquiries' : `${type}s`}.write`);
  if (!writable) return null;
  return (
    <section className="card-actions" aria-label="Actions">
      <h3>Actions</h3>
      <div className="actions">
        {nextStatuses.map((to) => (
          <button key={to} type="button" onClick={() => ws.changeStatusTo(entity, to, after)}>→ {humanize(to)}</button>
        ))}
        {assigneeId !== ws.user.id && (
          <button type="button" onClick={() => void run('Assign to me', assign(ws.wb, entity, ws.user.id))}>Assign to me</button>
        )}
        <button type="button" onClick={() => ws.openDialog({ kind: 'entity-note', entity, title: `Note on this ${type}` })}>Note</button>
      </div>
    </section>
  );
}

function Timers({ timers }: { timers: Array<[string, string | null | undefined]> }) {
  const now = useNow(1000);
  const upcoming = timers.filter((t): t is [string, string] => !!t[1] && Date.parse(t[1]) > now);
  if (!upcoming.length) return null;
  return (
    <section aria-label="Upcoming timers">
      <h3>Upcoming</h3>
      <ul className="timers">
        {upcoming.map(([label, at]) => <li key={label}>{label} at {dateTime(at)} <small>(in {formatDuration((Date.parse(at) - now) / 1000)})</small></li>)}
      </ul>
    </section>
  );
}

type TimelineEntries = Array<{ id: string; what: string; at: string; detail?: string | null }>;

function Timeline({ entries, title = 'Timeline' }: { entries: TimelineEntries; title?: string }) {
  return (
    <section aria-label={title}>
      <h3>{title}</h3>
      {entries.length === 0 ? <p className="empty">No entries you may see.</p> : (
        <ol className="timeline">
          {entries.map((e) => <li key={e.id}><time dateTime={e.at}>{dateTime(e.at)}</time> {e.what}{e.detail ? <small> — {e.detail}</small> : null}</li>)}
        </ol>
      )}
    </section>
  );
}

function describePayload(payload: string | null | undefined): string | null {
  if (!payload) return null;
  try {
    const data = JSON.parse(payload) as Record<string, unknown>;
    const parts = ['from', 'to', 'note', 'text', 'reason'].filter((k) => data[k] !== undefined && data[k] !== null).map((k) => `${k}: ${String(data[k])}`);
    return parts.join(', ') || null;
  } catch {
    return null;
  }
}

function AuditTimeline({ type, id, changes }: { type: string; id: string; changes: number }) {
  const ws = useWorkspace();
  const [result, refetch] = useQuery({ query: EntityAuditDocument, variables: { type, id }, pause: !ws.may('audit.read') });
  useEffect(() => { if (changes) refetch({ requestPolicy: 'network-only' }); }, [changes, refetch]);
  if (!ws.may('audit.read')) return null;
  const entries = result.data?.auditLog.edges.map((e) => ({ id: e.node.id, what: humanize(e.node.action.toLowerCase()), at: e.node.createdAt, detail: describePayload(e.node.metadata) })) ?? [];
  return <Timeline title="Audit log" entries={entries} />;
}

/** The entity's own timeline (events and notes), for everyone who may see the entity. */
function entriesOf(timeline: { edges: Array<{ node: { id: string; eventType: string; createdAt: string; payload?: string | null } }> }): TimelineEntries {
  return timeline.edges.map(({ node: t }) => ({ id: t.id, what: humanize(t.eventType.replace(/^[a-z_]+\./, '')), at: t.createdAt, detail: describePayload(t.payload) }));
}

function BookingCard({ id }: { id: string }) {
  const ws = useWorkspace();
  const [result, refetch] = useQuery({ query: BookingCardDocument, variables: { id } });
  const again = () => refetch({ requestPolicy: 'network-only' });
  useLive('booking', id, again);
  const payments = ws.may('payments.read');
  const [paid] = useQuery({ query: BookingPaymentsDocument, variables: { id }, pause: !payments });
  const b = result.data?.booking;
  if (result.fetching && !b) return <p role="status">Loading…</p>;
  if (!b) return <p role="alert">Booking not found or not yours to see.</p>;
  return (
    <article aria-labelledby="card-title">
      <h2 id="card-title">Booking #{b.ref} <span className={`status status-${b.status}`}>{humanize(b.status)}</span></h2>
      <dl className="details">
        <Field label="Client"><a href={`?card=client:${b.clientId}`} onClick={(e) => { e.preventDefault(); ws.openCard({ type: 'client', id: b.clientId }); }}>{b.clientName ?? 'Client'}</a></Field>
        <Field label="Model">{b.modelName}</Field>
        <Field label="Location">{b.locationTitle}</Field>
        <Field label="Time">{dateTime(b.startAt)} – {dateTime(b.endAt)}</Field>
        <Field label="Services">{b.services.map((s) => s.title).join(', ') || '—'}</Field>
        {b.priceTotal !== null && <Field label="Price">{b.priceTotal} {b.currency}</Field>}
        {b.depositRequired !== null && <Field label="Deposit">{b.depositRequired} {b.currency} ({b.depositStatus})</Field>}
        {b.paymentStatus !== null && <Field label="Payment">{humanize(b.paymentStatus)}</Field>}
        <Field label="Assignee">{b.assigneeId === ws.user.id ? 'You' : b.assigneeId ? 'Someone else' : 'Unassigned'}</Field>
        {b.notesInternal && <Field label="Notes">{b.notesInternal}</Field>}
      </dl>
      <Actions type="booking" id={b.id} nextStatuses={b.nextStatuses} assigneeId={b.assigneeId} after={again} />
      <Timers timers={[
        ['Expires', b.expiresAt],
        ['Approaching reminder', b.status === 'confirmed' ? new Date(Date.parse(b.startAt) - 30 * 60_000).toISOString() : null],
        ['Starts', b.startAt],
        ['Ends', b.endAt],
      ]} />
      {payments && (
        <section aria-label="Payments">
          <h3>Payments</h3>
          {paid.data?.payments.edges.length ? (
            <ul>{paid.data.payments.edges.map(({ node: p }) => <li key={p.id}>{humanize(p.type)} {p.amount} {p.currency} — {p.status} ({p.provider}, {dateTime(p.createdAt)})</li>)}</ul>
          ) : <p className="empty">No payments.</p>}
        </section>
      )}
      <Timeline entries={entriesOf(b.timeline)} />
      <AuditTimeline type="booking" id={b.id} changes={ws.changes} />
      <WorkflowLink workflowId={b.workflowId} />
    </article>
  );
}

function InquiryCard({ id }: { id: string }) {
  const ws = useWorkspace();
  const [result, refetch] = useQuery({ query: InquiryCardDocument, variables: { id } });
  const again = () => refetch({ requestPolicy: 'network-only' });
  useLive('inquiry', id, again);
  const q = result.data?.inquiry;
  if (result.fetching && !q) return <p role="status">Loading…</p>;
  if (!q) return <p role="alert">Inquiry not found or not yours to see.</p>;
  return (
    <article aria-labelledby="card-title">
      <h2 id="card-title">Inquiry #{q.ref} <span className={`status status-${q.status}`}>{humanize(q.status)}</span></h2>
      <dl className="details">
        <Field label="Client">{q.clientName}</Field>
        <Field label="Email">{q.clientEmail}</Field>
        <Field label="Phone">{q.clientPhone}</Field>
        <Field label="Source">{humanize(q.source)}{q.externalRef ? ` (${q.externalRef})` : ''}</Field>
        <Field label="Subject">{q.subject}</Field>
        <Field label="Message">{q.message}</Field>
        <Field label="Priority">{humanize(q.priority)}</Field>
        <Field label="Requested">{q.requestedTimeFrom ? `${dateTime(q.requestedTimeFrom)} – ${dateTime(q.requestedTimeTo)}` : '—'}</Field>
        {q.bookingId && <Field label="Booking"><a href={`?card=booking:${q.bookingId}`} onClick={(e) => { e.preventDefault(); ws.openCard({ type: 'booking', id: q.bookingId as string }); }}>Open booking</a></Field>}
      </dl>
      {q.matches.length > 0 && <section aria-label="Matches"><h3>Matches</h3><ul>{q.matches.map((m) => <li key={m.id}>{m.modelName} — {Math.round(m.score)}% <small>{m.reason}</small></li>)}</ul></section>}
      <Actions type="inquiry" id={q.id} nextStatuses={q.nextStatuses} assigneeId={q.assigneeId} after={again} />
      <Timeline entries={entriesOf(q.timeline)} />
      <AuditTimeline type="inquiry" id={q.id} changes={ws.changes} />
      <WorkflowLink workflowId={q.workflowId} />
    </article>
  );
}

function ClientCard({ id }: { id: string }) {
  const ws = useWorkspace();
  const [result] = useQuery({ query: ClientCardDocument, variables: { id } });
  const c = result.data?.client;
  if (result.fetching && !c) return <p role="status">Loading…</p>;
  if (!c) return <p role="alert">Client not found or not yours to see.</p>;
  return (
    <article aria-labelledby="card-title">
      <h2 id="card-title">Client: {c.fullName ?? 'unnamed'}</h2>
      <dl className="details">
        <Field label="Email">{c.email}</Field>
        <Field label="Phone">{c.phone}</Field>
        <Field label="Preferred channel">{c.preferredChannel ? humanize(c.preferredChannel) : null}</Field>
        <Field label="Tags">{c.tags.join(', ') || '—'}</Field>
        {c.totalPaid !== null && <Field label="Total paid">{c.totalPaid}</Field>}
      </dl>
      <section aria-label="Bookings"><h3>Bookings</h3>
        <ul>{result.data?.bookings.edges.map(({ node: b }) => (
          <li key={b.id}><a href={`?card=booking:${b.id}`} onClick={(e) => { e.preventDefault(); ws.openCard({ type: 'booking', id: b.id }); }}>#{b.ref}</a> {b.modelName} · {dateTime(b.startAt)} · {humanize(b.status)}</li>
        ))}</ul>
      </section>
    </article>
  );
}

function AboutLink({ type, id }: { type: string; id: string }) {
  const ws = useWorkspace();
  if (!['booking', 'inquiry', 'client', 'task'].includes(type)) return <>{KIND_LABEL[type] ?? humanize(type)}</>;
  return <a href={`?card=${type}:${id}`} onClick={(e) => { e.preventDefault(); ws.openCard({ type: type as 'booking', id }); }}>Open {KIND_LABEL[type]?.toLowerCase()}</a>;
}

function TaskCard({ id }: { id: string }) {
  const ws = useWorkspace();
  const [result, refetch] = useQuery({ query: TaskCardDocument, variables: { id } });
  const again = () => refetch({ requestPolicy: 'network-only' });
  useLive('task', id, again);
  const t = result.data?.task;
  if (result.fetching && !t) return <p role="status">Loading…</p>;
  if (!t) return <p role="alert">Task not found or not yours to see.</p>;
  return (
    <article aria-labelledby="card-title">
      <h2 id="card-title">Task {t.ref}: {t.subject} <span className={`status status-${t.status}`}>{humanize(t.status)}</span></h2>
      <dl className="details">
        <Field label="Type">{humanize(t.type)}</Field>
        <Field label="Priority">{humanize(t.priority)}</Field>
        <Field label="About"><AboutLink type={t.entityType} id={t.entityId} /></Field>
        <Field label="Assignee">{t.assigneeId === ws.user.id ? 'You' : t.assigneeId ? 'Someone else' : 'Unassigned'}</Field>
        <Field label="Due">{dateTime(t.dueAt)}</Field>
        <Field label="SLA">{t.slaBreached ? `Breached ${dateTime(t.slaBreachedAt)}` : dateTime(t.slaDeadlineAt)}</Field>
      </dl>
      <Actions type="task" id={t.id} nextStatuses={t.nextStatuses} assigneeId={t.assigneeId} after={again} />
      <Timers timers={[['SLA warning', t.slaWarningAt], ['SLA breach', t.slaBreached ? null : t.slaDeadlineAt], ['Due', t.dueAt]]} />
      <Timeline entries={entriesOf(t.timeline)} />
      <AuditTimeline type="task" id={t.id} changes={ws.changes} />
      <WorkflowLink workflowId={t.workflowId} />
    </article>
  );
}

function ExceptionCard({ id }: { id: string }) {
  const ws = useWorkspace();
  const [result, refetch] = useQuery({ query: ExceptionCardDocument, variables: { id } });
  const again = () => refetch({ requestPolicy: 'network-only' });
  useLive('exception', id, again);
  const x = result.data?.exception;
  if (result.fetching && !x) return <p role="status">Loading…</p>;
  if (!x) return <p role="alert">Exception not found or not yours to see.</p>;
  return (
    <article aria-labelledby="card-title">
      <h2 id="card-title">Exception {x.ref}: {x.summary} <span className={`status status-${x.status}`}>{humanize(x.status)}</span></h2>
      <dl className="details">
        <Field label="Type">{humanize(x.type)}</Field>
        <Field label="Severity"><span className={`sev-text severity-${x.severity}`}>{humanize(x.severity)}</span></Field>
        <Field label="About"><AboutLink type={x.entityType} id={x.entityId} /></Field>
        <Field label="Assignee">{x.assigneeId === ws.user.id ? 'You' : x.assigneeId ? 'Someone else' : 'Unassigned'}</Field>
        <Field label="SLA">{x.slaBreached ? 'Breached' : dateTime(x.slaDeadlineAt)}</Field>
        {x.resolution && <Field label="Resolution">{x.resolution}</Field>}
      </dl>
      <Actions type="exception" id={x.id} nextStatuses={x.nextStatuses} assigneeId={x.assigneeId} after={again} />
      <Timers timers={[['SLA warning', x.slaWarningAt], ['SLA breach', x.slaBreached ? null : x.slaDeadlineAt]]} />
      <Timeline entries={entriesOf(x.timeline)} />
      <AuditTimeline type="exception" id={x.id} changes={ws.changes} />
      <WorkflowLink workflowId={x.workflowId} />
    </article>
  );
}
