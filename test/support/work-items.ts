/**
 * Tasks and exceptions a test file leaves open keep their workflows' SLA timers: a confirm_booking
 * task breaches after 15 minutes, in the middle of a later file, and escalates (priority raised,
 * handed to an ops manager, an sla_breach exception opened for the demo operator), writing rows,
 * audit, timeline and events that file did not make. A file closes its own in afterAll with
 * closeOpenWork, through the API as its users would (changeStatus as the owner: a task cancelled,
 * an exception dismissed), so the workflows end their timers; never by writing the status.
 */
import { randomUUID } from 'node:crypto';
import type { TestPlatform } from './platform.ts';

const OPEN_TASK = ['open', 'in_progress'];
const OPEN_EXCEPTION = ['open', 'investigating'];
const CLOSE_TO = { task: 'cancelled', exception: 'dismissed' } as const;

type Kind = keyof typeof CLOSE_TO;
interface OpenItem { kind: Kind; id: string; status: string }

const uuids = (values: Iterable<string>) => `{${[...new Set(values)].join(',')}}`;

/** The open tasks and exceptions among `ids`, or about `entityIds` or about one of those tasks (its sla_breach exception). */
async function openItems(platform: TestPlatform, ids: string[], entityIds: string[]): Promise<OpenItem[]> {
  const tasks = await platform.sql<{ id: string; status: string }>(
    'SELECT id, status FROM tasks WHERE (id = ANY(?::uuid[]) OR entity_id = ANY(?::uuid[])) AND status = ANY(?::text[])',
    [uuids(ids), uuids([...entityIds, ...ids]), `{${OPEN_TASK.join(',')}}`]);
  const about = [...entityIds, ...ids, ...tasks.map((t) => t.id)];
  const exceptions = await platform.sql<{ id: string; status: string }>(
    'SELECT id, status FROM exceptions WHERE (id = ANY(?::uuid[]) OR entity_id = ANY(?::uuid[])) AND status = ANY(?::text[])',
    [uuids(ids), uuids(about), `{${OPEN_EXCEPTION.join(',')}}`]);
  return [...tasks.map((t) => ({ kind: 'task' as const, ...t })), ...exceptions.map((x) => ({ kind: 'exception' as const, ...x }))];
}

/**
 * Closes every task and exception still open among `ids` (tasks, exceptions or entities the file
 * created: the work about an entity counts too) through GraphQL changeStatus as the demo owner.
 * Throws, naming them, if any is still open afterwards. `skip`: items to leave alone, those whose
 * workflows ran on a time-skipping test server that is gone (nothing can move them any more).
 */
export async function closeOpenWork(platform: TestPlatform, ids: Iterable<string | undefined>, skip: Iterable<string> = []): Promise<void> {
  const all = [...new Set([...ids].filter((id): id is string => typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id)))];
  if (all.length === 0) return;
  const skipped = new Set(skip);
  const open = async () => (await openItems(platform, all, all)).filter((item) => !skipped.has(item.id));
  const failures: string[] = [];
  const closing = await open();
  for (const item of closing) {
    const response = await platform.gql('mutation ($input: ChangeStatusInput!) { changeStatus(input: $input) { to } }', {
      input: { entity: { type: item.kind, id: item.id }, to: CLOSE_TO[item.kind], reason: 'test cleanup: closed so that its SLA timer does not fire in later test files' },
    }, { authorization: `Bearer ${await platform.tokenOf('OWNER')}`, 'idempotency-key': randomUUID() });
    if (response.errors?.length) failures.push(`${item.kind} ${item.id} (${item.status}): ${response.errors[0]!.message}`);
  }
  // What was refused may have closed meanwhile (e.g. finished by its workflow): only what is still open is a problem.
  const left = await open();
  if (left.length > 0) throw new Error(`could not close this file's open work: ${left.map((item) => `${item.kind} ${item.id} (${item.status})`).join(', ')}\n${failures.join('\n')}`);
}

/**
 * Resolves every availability mismatch of these bookings still unresolved, through GraphQL
 * resolveAvailabilityMismatch as the demo owner (its overbooking or mismatch exception, with its
 * SLA timer, is resolved with it), so that closeOpenWork finds nothing of theirs left to dismiss.
 */
export async function resolveOpenMismatches(platform: TestPlatform, bookingIds: Iterable<string>): Promise<void> {
  const open = await platform.sql<{ id: string }>('SELECT id FROM availability_mismatches WHERE booking_id = ANY(?::uuid[]) AND resolved_at IS NULL', [uuids(bookingIds)]);
  for (const { id } of open) {
    const response = await platform.gql('mutation ($id: ID!) { resolveAvailabilityMismatch(id: $id, note: "test cleanup") { resolvedAt } }', { id },
      { authorization: `Bearer ${await platform.tokenOf('OWNER')}`, 'idempotency-key': randomUUID() });
    if (response.errors?.length) throw new Error(`could not resolve mismatch ${id}: ${response.errors[0]!.message}`);
  }
}
