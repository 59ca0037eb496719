/** Task and exception operations for the role × operation matrix. */
import { randomUUID } from 'node:crypto';
import type { TestPlatform } from '../support/platform.ts';
import { countOf, type MatrixOperation } from '../support/role-matrix.ts';
import { freshBooking } from './bookings.ts';

const subjects = new WeakMap<TestPlatform, Promise<string>>();
/** An unassigned booking for work items to be about (every role's policy lets it be seen). */
export function subjectBooking(platform: TestPlatform): Promise<string> {
  if (!subjects.has(platform)) subjects.set(platform, freshBooking(platform));
  return subjects.get(platform) as Promise<string>;
}

/** A fresh unassigned task, created through createTask as the owner. */
export async function freshTask(platform: TestPlatform, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await platform.gql<{ createTask: { task: { id: string } } }>(
    'mutation ($input: CreateTaskInput!) { createTask(input: $input) { task { id } } }',
    { input: { type: 'follow_up', subject: 'Call the client back', entityType: 'booking', entityId: await subjectBooking(platform), ...extra } },
  );
  const id = created.data?.createTask.task.id;
  if (!id) throw new Error(`could not create a task: ${JSON.stringify(created.errors)}`);
  return id;
}

/** A fresh unassigned exception, created through createException as the owner. */
export async function freshException(platform: TestPlatform, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await platform.gql<{ createException: { exception: { id: string } } }>(
    'mutation ($input: CreateExceptionInput!) { createException(input: $input) { exception { id } } }',
    { input: { type: 'policy_violation', severity: 'medium', summary: 'Client asked for an unlisted service', entityType: 'booking', entityId: await subjectBooking(platform), ...extra } },
  );
  const id = created.data?.createException.exception.id;
  if (!id) throw new Error(`could not create an exception: ${JSON.stringify(created.errors)}`);
  return id;
}

const changesOf = (platform: TestPlatform, vars: Record<string, unknown>) => countOf(platform, 'SELECT count(*) AS n FROM audit_log WHERE entity_id = ?', [vars.id]);
const task = async (platform: TestPlatform) => ({ id: await freshTask(platform) });
const exception = async (platform: TestPlatform) => ({ id: await freshException(platform) });

/** What the matrix's createException is about. */
const MATRIX_MODEL = randomUUID();

export const WORK_ITEM_OPERATIONS: MatrixOperation[] = [
  { field: 'Query.tasks', permission: 'tasks.read', document: '{ tasks(first: 1, assignee: "me") { edges { cursor } } }' },
  { field: 'Query.task', permission: 'tasks.read', setup: task, document: 'query ($id: ID!) { task(id: $id) { id } }' },
  { field: 'Query.exceptions', permission: 'exceptions.read', document: '{ exceptions(first: 1, slaBreached: false) { edges { cursor } } }' },
  { field: 'Query.exception', permission: 'exceptions.read', setup: exception, document: 'query ($id: ID!) { exception(id: $id) { id } }' },
  {
    field: 'Mutation.createTask', permission: 'tasks.write',
    setup: async (platform) => ({ booking: await subjectBooking(platform) }),
    document: 'mutation ($booking: ID!) { createTask(input: { type: "follow_up", subject: "Matrix", entityType: "booking", entityId: $booking }) { task { id } } }',
    // Tasks about the subject booking only: escalations write tasks about other items meanwhile.
    state: (platform, vars) => countOf(platform, 'SELECT count(*) AS n FROM tasks WHERE entity_id = ?', [vars.booking]),
  },
  {
    field: 'Mutation.createException', permission: 'exceptions.write',
    document: `mutation { createException(input: { type: "mismatch", severity: low, summary: "Matrix", entityType: "model", entityId: "${MATRIX_MODEL}" }) { exception { id } } }`,
    // Exceptions about this (made-up) model only: escalations write exceptions meanwhile.
    state: (platform) => countOf(platform, 'SELECT count(*) AS n FROM exceptions WHERE entity_id = ?', [MATRIX_MODEL]),
  },
  {
    field: 'Mutation.completeTask', permission: 'tasks.write', setup: task, state: changesOf,
    document: 'mutation ($id: ID!) { completeTask(id: $id, reason: "matrix") { task { status } } }',
  },
  {
    field: 'Mutation.resolveException', permission: 'exceptions.write', setup: exception, state: changesOf,
    document: 'mutation ($id: ID!) { resolveException(id: $id, resolution: "matrix") { exception { status } } }',
  },
  {
    field: 'Mutation.dismissException', permission: 'exceptions.write', setup: exception, state: changesOf,
    document: 'mutation ($id: ID!) { dismissException(id: $id, reason: "matrix") { exception { status } } }',
  },
];
