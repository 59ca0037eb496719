/** Payments, availability, automation, audit and system operations for the role × operation matrix. */
import { randomUUID } from 'node:crypto';
import { demoReferences } from '../support/lifecycles.ts';
import type { TestPlatform } from '../support/platform.ts';
import { countOf, freshInquiry, type MatrixOperation } from '../support/role-matrix.ts';
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
  conditions: [{ field: 'event.clientEmail', operator: 'not_contains', value: '"@temp"' }],
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
/** A failed execution of a fresh rule (as the engine records one), for retry and detail. */
const failedExecution = async (platform: TestPlatform) => {
  const ruleId = await freshRule(platform);
  const inquiryId = await freshInquiry(platform);
  const [event] = await sql(platform).execute<Array<{ id: string }>>(`SELECT id FROM domain_events WHERE entity_id = ? AND event_type = 'inquiry.created'`, [inquiryId]);
  const [row] = await sql(platform).execute<Array<{ id: string }>>(
    `INSERT INTO automation_executions (rule_id, event_id, status, failed_action, error, rule_version, finished_at, result)
     VALUES (?, ?, 'failed', 0, 'refused', 1, now(), '{"actions":{"0":{"index":0,"type":"create_task","outcome":"failed","detail":"refused","code":"VALIDATION"}}}') RETURNING id`, [ruleId, event!.id]);
  return { id: row!.id };
};
const shift = async (platform: TestPlatform) => {
  const [row] = await sql(platform).execute<Array<{ id: string }>>(
    `INSERT INTO operator_shifts (user_id, starts_at, ends_at) VALUES ((SELECT id FROM users WHERE email = 'sasha@virel.local'), '2031-03-02T08:00:00Z', '2031-03-02T16:00:00Z') RETURNING id`);
  return { id: row!.id };
};

export const OPERATIONS_OPERATIONS: MatrixOperation[] = [
  { field: 'Query.payments', permission: 'payments.read', document: '{ payments(first: 1, status: "succeeded") { edges { cursor } } }' },
  { field: 'Query.payment', permission: 'payments.read', setup: async (p) => ({ id: await freshPayment(p) }), document: 'query ($id: ID!) { payment(id: $id) { id amount } }' },
  { field: 'Query.availabilitySlots', permission: 'availability.read', document: '{ availabilitySlots(first: 1) { edges { cursor } } }' },
  { field: 'Query.availabilityMismatches', permission: 'availability.read', document: '{ availabilityMismatches(first: 1, resolved: false) { edges { cursor } } }' },
  { field: 'Query.availabilityRules', permission: 'availability.read', document: '{ availabilityRules(first: 1) { edges { cursor } } }' },
  {
    field: 'Query.availability', permission: 'availability.read',
    setup: async (platform) => ({ modelId: (await demoReferences(platform.orm)).model_id }),
    document: 'query ($modelId: ID!) { availability(modelId: $modelId, from: "2031-02-01T00:00:00Z", to: "2031-02-08T00:00:00Z") { modelId intervals { state reason } } }',
  },
  {
    field: 'Mutation.createAvailabilityRule', permission: 'availability.write',
    setup: async (platform) => ({ modelId: (await demoReferences(platform.orm)).model_id }),
    document: `mutation ($modelId: ID!) { createAvailabilityRule(input: { name: "Matrix hours", scope: model, modelId: $modelId, rule: ${JSON.stringify(JSON.stringify({ blackouts: [{ from: '2031-06-01', to: '2031-06-01' }] }))} }) { id } }`,
    state: (platform) => countOf(platform, 'SELECT count(*) AS n FROM availability_rules'),
  },
  {
    field: 'Mutation.updateAvailabilityRule', permission: 'availability.write', state: changesOf,
    setup: async (platform) => {
      const { model_id } = await demoReferences(platform.orm);
      const [row] = await sql(platform).execute<Array<{ id: string }>>(
        `INSERT INTO availability_rules (name, scope, model_id, rule) VALUES ('Matrix rule', 'model', ?, '{"blackouts":[{"from":"2031-07-01","to":"2031-07-01"}]}') RETURNING id`, [model_id]);
      return { id: row!.id };
    },
    document: 'mutation ($id: ID!) { updateAvailabilityRule(id: $id, input: { name: "Renamed matrix rule" }) { id name } }',
  },
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
  { field: 'Query.automationRule', permission: 'automation.read', setup: rule, document: 'query ($id: ID!) { automationRule(id: $id) { id conditionTree version pausedReason versions { version change } } }' },
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
    // A dry run stores nothing: what must stay unchanged is the rule's executions and audit.
    state: (platform, vars) => countOf(platform, 'SELECT (SELECT count(*) FROM automation_executions WHERE rule_id = ?) + (SELECT count(*) FROM audit_log WHERE entity_id = ?) AS n', [vars.id, vars.id]),
    document: 'mutation ($id: ID!) { testAutomationRule(id: $id, input: { payload: "{\\"source\\":\\"web\\"}" }) { eventType differs verdict { runs reason actions } active { runs } } }',
  },
  { field: 'Mutation.setAutomationRuleTesting', permission: 'automation.write', setup: rule, state: changesOf, document: 'mutation ($id: ID!) { setAutomationRuleTesting(id: $id) { status } }' },
  {
    field: 'Mutation.restoreAutomationRuleVersion', permission: 'automation.write', setup: rule, state: changesOf,
    document: 'mutation ($id: ID!) { restoreAutomationRuleVersion(id: $id, version: 1) { version versions { version change definition createdBy createdAt } } }',
  },
  {
    field: 'Mutation.retryAutomationExecution', permission: 'automation.write', setup: failedExecution,
    state: (platform, vars) => countOf(platform, `SELECT count(*) AS n FROM automation_executions WHERE id = ? AND status = 'failed'`, [vars.id]),
    document: 'mutation ($id: ID!) { retryAutomationExecution(id: $id) { id attempt } }',
  },
  {
    field: 'Query.automationExecution', permission: 'automation.read', setup: failedExecution,
    document: `query ($id: ID!) { automationExecution(id: $id) {
      id ruleId rule { id } eventId eventType entityType entityId status skipReason ruleVersion depth causedBy workflowId failedAction error attempt isTest startedAt finishedAt
      actions { index type outcome detail code at } logs result } }`,
  },
  { field: 'Query.automationEventCatalogue', permission: 'automation.read', document: '{ automationEventCatalogue { name entityType description fields { name kind } } }' },
  { field: 'Query.automationBacklog', permission: 'automation.read', document: '{ automationBacklog { pending oldestAgeSeconds runningExecutions } }' },
  { field: 'Query.operatorShifts', permission: 'users.read', document: '{ operatorShifts { id userId startsAt endsAt } }' },
  { field: 'Query.operatorCapacities', permission: 'users.read', document: '{ operatorCapacities { userId maxOpenItems lastAssignedAt } }' },
  {
    field: 'Mutation.addOperatorShift', permission: 'escalations.manage', setup: async (platform) => ({ userId: await platform.userId('sasha@virel.local') }),
    state: (platform) => countOf(platform, 'SELECT count(*) AS n FROM operator_shifts'),
    document: `mutation ($userId: ID!) { addOperatorShift(input: { userId: $userId, startsAt: "2031-03-01T08:00:00Z", endsAt: "2031-03-01T16:00:00Z" }) { id } }`,
  },
  {
    field: 'Mutation.removeOperatorShift', permission: 'escalations.manage', setup: shift,
    state: (platform, vars) => countOf(platform, 'SELECT count(*) AS n FROM operator_shifts WHERE id = ?', [vars.id]),
    document: 'mutation ($id: ID!) { removeOperatorShift(id: $id) }',
  },
  {
    field: 'Mutation.setOperatorCapacity', permission: 'escalations.manage', setup: async (platform) => ({ userId: await platform.userId('sasha@virel.local') }),
    state: (platform, vars) => countOf(platform, `SELECT count(*) AS n FROM audit_log WHERE entity_id = ? AND entity_type = 'operator_capacity'`, [vars.userId]),
    document: 'mutation ($userId: ID!) { setOperatorCapacity(userId: $userId, maxOpenItems: 7) { userId maxOpenItems } }',
  },
  { field: 'Query.auditLog', permission: 'audit.read', document: '{ auditLog(first: 1) { edges { cursor node { after } } } }' },
  { field: 'Query.systemHealth', permission: 'system.read', document: '{ systemHealth { status } }' },
  { field: 'Query.queueState', permission: 'system.read', document: '{ queueState { queues { name } workflows { running } } }' },
  { field: 'Query.failingActivities', permission: 'system.read', document: '{ failingActivities(first: 1) { scannedWorkflows complete activities { workflowId } } }' },
];
