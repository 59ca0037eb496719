/** Payments, availability, automation, audit and system operations for the role × operation matrix. */
import { randomUUID } from 'node:crypto';
import { demoReferences } from '../support/lifecycles.ts';
import type { TestPlatform } from '../support/platform.ts';
import { countOf, type MatrixOperation } from '../support/role-matrix.ts';
import { freshBooking } from './bookings.ts';

const sql = (platform: TestPlatform) => platform.orm.em.getConnection();

/** A payment row of a fresh booking (payments are read-only in the API so far). */
export async function freshPayment(platform: TestPlatform, status = 'succeeded'): Promise<string> {
  const bookingId = await freshBooking(platform);
  const [row] = await sql(platform).execute<Array<{ id: string }>>(
    `INSERT INTO payments (booking_id, provider, provider_payment_id, type, status, amount) VALUES (?, 'stripe', ?, 'deposit', ?, '100.00') RETURNING id`,
    [bookingId, `pi_${randomUUID()}`, status]);
  return row!.id;
}

/** A detected, open availability mismatch (detection comes with the availability issue). */
export async function freshMismatch(platform: TestPlatform, severity = 'high'): Promise<string> {
  const { model_id } = await demoReferences(platform.orm);
  const [row] = await sql(platform).execute<Array<{ id: string }>>(
    `INSERT INTO availability_mismatches (model_id, expected_status, actual_status, detected_at, severity, context) VALUES (?, 'available', 'booked', now(), ?, '{"source":"test"}') RETURNING id`,
    [model_id, severity]);
  return row!.id;
}

export const RULE_INPUT = {
  name: 'Matrix rule', trigger: 'inquiry.created', triggerFilters: '{"source":"web"}',
  conditions: [{ field: 'client_email', operator: 'not_contains', value: '"@temp"' }],
  actions: [{ type: 'create_task', params: '{"type":"review_inquiry"}' }],
  limits: { maxPerHour: 10 },
};

export async function freshRule(platform: TestPlatform): Promise<string> {
  const created = await platform.gql<{ createAutomationRule: { id: string } }>(
    'mutation ($input: CreateAutomationRuleInput!) { createAutomationRule(input: $input) { id } }', { input: RULE_INPUT });
  const id = created.data?.createAutomationRule.id;
  if (!id) throw new Error(`could not create a rule: ${JSON.stringify(created.errors)}`);
  return id;
}

const slot = async (platform: TestPlatform) => {
  const { model_id } = await demoReferences(platform.orm);
  const [row] = await sql(platform).execute<Array<{ id: string }>>(
    `INSERT INTO availability_slots (model_id, start_at, end_at, status) VALUES (?, '2031-02-01T10:00:00Z', '2031-02-01T18:00:00Z', 'available') RETURNING id`, [model_id]);
  return { id: row!.id };
};
const changesOf = (platform: TestPlatform, vars: Record<string, unknown>) => countOf(platform, 'SELECT count(*) AS n FROM audit_log WHERE entity_id = ?', [vars.id]);
const rule = async (platform: TestPlatform) => ({ id: await freshRule(platform) });

export const OPERATIONS_OPERATIONS: MatrixOperation[] = [
  { field: 'Query.payments', permission: 'payments.read', document: '{ payments(first: 1, status: "succeeded") { edges { cursor } } }' },
  { field: 'Query.payment', permission: 'payments.read', setup: async (p) => ({ id: await freshPayment(p) }), document: 'query ($id: ID!) { payment(id: $id) { id amount } }' },
  { field: 'Query.availabilitySlots', permission: 'availability.read', document: '{ availabilitySlots(first: 1) { edges { cursor } } }' },
  { field: 'Query.availabilityMismatches', permission: 'availability.read', document: '{ availabilityMismatches(first: 1, resolved: false) { edges { cursor } } }' },
  { field: 'Query.availabilityRules', permission: 'availability.read', document: '{ availabilityRules(first: 1) { edges { cursor } } }' },
  {
    field: 'Mutation.createAvailabilitySlot', permission: 'availability.write',
    setup: async (p) => ({ modelId: (await demoReferences(p.orm)).model_id }),
    document: 'mutation ($modelId: ID!) { createAvailabilitySlot(input: { modelId: $modelId, startAt: "2031-03-01T10:00:00Z", endAt: "2031-03-01T12:00:00Z" }) { id } }',
    state: (platform) => countOf(platform, 'SELECT count(*) AS n FROM availability_slots'),
  },
  {
    field: 'Mutation.updateAvailabilitySlot', permission: 'availability.write', setup: slot, state: changesOf,
    document: 'mutation ($id: ID!) { updateAvailabilitySlot(id: $id, input: { status: tentative }) { id } }',
  },
  {
    field: 'Mutation.resolveAvailabilityMismatch', permission: 'availability.write', setup: async (p) => ({ id: await freshMismatch(p) }), state: changesOf,
    document: 'mutation ($id: ID!) { resolveAvailabilityMismatch(id: $id, note: "matrix") { id resolvedAt } }',
  },
  { field: 'Query.automationRules', permission: 'automation.read', document: '{ automationRules(first: 1) { edges { cursor } } }' },
  { field: 'Query.automationRule', permission: 'automation.read', setup: rule, document: 'query ($id: ID!) { automationRule(id: $id) { id } }' },
  { field: 'Query.automationExecutions', permission: 'automation.read', document: '{ automationExecutions(first: 1) { edges { cursor } } }' },
  {
    field: 'Mutation.createAutomationRule', permission: 'automation.write', setup: async () => ({ input: RULE_INPUT }),
    document: 'mutation ($input: CreateAutomationRuleInput!) { createAutomationRule(input: $input) { id } }',
    state: (platform) => countOf(platform, 'SELECT count(*) AS n FROM automation_rules'),
  },
  {
    field: 'Mutation.updateAutomationRule', permission: 'automation.write', setup: rule, state: changesOf,
    document: 'mutation ($id: ID!) { updateAutomationRule(id: $id, input: { name: "Renamed" }) { id } }',
  },
  { field: 'Mutation.enableAutomationRule', permission: 'automation.write', setup: rule, state: changesOf, document: 'mutation ($id: ID!) { enableAutomationRule(id: $id) { status } }' },
  { field: 'Mutation.disableAutomationRule', permission: 'automation.write', setup: rule, state: changesOf, document: 'mutation ($id: ID!) { disableAutomationRule(id: $id) { status } }' },
  {
    field: 'Mutation.testAutomationRule', permission: 'automation.write', setup: rule,
    state: (platform, vars) => countOf(platform, 'SELECT count(*) AS n FROM automation_executions WHERE rule_id = ?', [vars.id]),
    document: 'mutation ($id: ID!) { testAutomationRule(id: $id, input: { payload: "{\\"source\\":\\"web\\"}" }) { id status } }',
  },
  { field: 'Query.auditLog', permission: 'audit.read', document: '{ auditLog(first: 1) { edges { cursor node { after } } } }' },
  { field: 'Query.systemHealth', permission: 'system.read', document: '{ systemHealth { status } }' },
  { field: 'Query.queueState', permission: 'system.read', document: '{ queueState { queues { name } workflows { running } } }' },
];
