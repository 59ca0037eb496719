/**
 * Reference data every installation starts with: roles and permissions (seed §2), SLA
 * policies (seed §6.6) and the shipped automation rules (seed §8) as editable defaults.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { ROLES, PERMISSIONS, type RoleCode } from '../../domain/access.ts';
import type { RuleDefinition } from '../../domain/automation-rules.ts';
import { SHIPPED_DEPOSIT_REMINDER, SHIPPED_NO_SHOW_RISK } from './messaging-rules.ts';
import { AutomationRule, AutomationRuleVersion, Permission, Role, SlaPolicy } from '../entities/index.ts';

export async function seedAccessControl(em: EntityManager): Promise<Map<RoleCode, Role>> {
  const permissions = new Map<string, Permission>();
  for (const [code, description] of Object.entries(PERMISSIONS)) {
    permissions.set(code, em.create(Permission, { code, description }));
  }
  const roles = new Map<RoleCode, Role>();
  for (const [code, role] of Object.entries(ROLES) as [RoleCode, (typeof ROLES)[RoleCode]][]) {
    const entity = em.create(Role, { code, name: role.name, description: role.description });
    for (const permission of role.permissions) entity.permissions.add(permissions.get(permission) as Permission);
    roles.set(code, entity);
  }
  await em.flush();
  return roles;
}

/** Escalation on breach: raise priority, hand to an ops manager, and open an exception. */
const escalateToOps = (exceptionSeverity: string) => ({
  raise_priority: true,
  reassign_to_role: 'OPS_MANAGER',
  create_exception: { type: 'sla_breach', severity: exceptionSeverity },
});

export function seedSlaPolicies(em: EntityManager): void {
  const policies: Array<[string, 'task_type' | 'exception_type', string, number, string | null, object]> = [
    ['Confirm booking within 15 minutes', 'task_type', 'confirm_booking', 15, null, escalateToOps('high')],
    ['Request deposit within 2 hours', 'task_type', 'request_deposit', 120, null, escalateToOps('medium')],
    ['Review new inquiry within 30 minutes', 'task_type', 'review_inquiry', 30, null, escalateToOps('medium')],
    ['Follow up within 4 hours', 'task_type', 'follow_up', 240, null, { raise_priority: true }],
    ['Retry failed payment within 1 hour', 'task_type', 'retry_payment', 60, null, escalateToOps('high')],
    ['Critical tasks within 10 minutes', 'task_type', 'confirm_booking', 10, 'critical', escalateToOps('critical')],
    ['Payment failure handled within 30 minutes', 'exception_type', 'payment_failed', 30, null, escalateToOps('critical')],
    ['No-show risk handled within 15 minutes', 'exception_type', 'no_show_risk', 15, null, escalateToOps('critical')],
    ['Overbooking resolved within 30 minutes', 'exception_type', 'overbooking', 30, null, escalateToOps('high')],
    ['Availability mismatch checked within 1 hour', 'exception_type', 'mismatch', 60, null, { raise_priority: true }],
    ['Policy violation reviewed within 2 hours', 'exception_type', 'policy_violation', 120, null, escalateToOps('high')],
  ];
  for (const [name, appliesTo, key, deadlineMinutes, priority, escalation] of policies) {
    em.create(SlaPolicy, { name, appliesTo, key, deadlineMinutes, priority, escalation: escalation as Record<string, unknown> });
  }
}

/**
 * The shipped rules (seed §8's examples plus its "confirm booking when deposit paid" concept),
 * written against the event catalogue (domain/automation-events.ts): rows a manager can edit,
 * each with its version 1, all active. Rule 2's reminder is a follow-up the engine drops once
 * the inquiry has moved on (converted: the deposit came; lost); rule 3's alert goes to the ops
 * team's Telegram chat (TELEGRAM_OPS_CHAT_ID). Installations seeded before send_message existed
 * get rules 2 and 3 as written here by Migration20261130160000_messaging_rules_active.
 */
export const SHIPPED_RULES: readonly RuleDefinition[] = [
  {
    name: 'Auto-qualify web inquiries from valid email domains',
    description: 'Seed rule 1: a web inquiry not from a temporary or trash mail domain is qualified and gets a review task for the next available operator.',
    status: 'active',
    trigger: 'inquiry.created',
    triggerFilters: { source: 'web' },
    schedule: null,
    conditions: [
      { field: 'event.clientEmail', operator: 'not_contains', value: '@temp' },
      { field: 'event.clientEmail', operator: 'not_contains', value: '@trash' },
    ],
    actions: [
      { type: 'update_status', params: { entity_type: 'inquiry', new_status: 'qualified' } },
      { type: 'create_task', params: { type: 'review_inquiry', assigned_to: 'next_available' } },
    ],
    limits: null,
  },
  SHIPPED_DEPOSIT_REMINDER,
  SHIPPED_NO_SHOW_RISK,
  {
    name: 'Escalate failed payments',
    description: 'Seed rule 4: a failed deposit of a booking opens an exception, gives finance a retry task and sends the booking back to deposit_required.',
    status: 'active',
    trigger: 'payment.failed',
    triggerFilters: null,
    schedule: null,
    // booking.id exists: an inquiry's deposit (no booking yet) has no booking to send back; its
    // operator sees the failure on the inquiry and Finance retries it there.
    conditions: [{ field: 'entity.type', operator: 'equals', value: 'deposit' }, { field: 'booking.id', operator: 'exists' }],
    actions: [
      { type: 'create_exception', params: { type: 'payment_failed', severity: 'high', about: 'booking' } },
      { type: 'create_task', params: { type: 'retry_payment', assigned_to: 'finance_team', about: 'booking' } },
      { type: 'update_status', params: { entity_type: 'booking', new_status: 'deposit_required' } },
    ],
    limits: null,
  },
  {
    name: 'Confirm booking when deposit paid',
    description: 'Seed §8 concept: a paid deposit confirms a booking that waits for it, and the model is to be told.',
    status: 'active',
    trigger: 'payment.succeeded',
    triggerFilters: null,
    schedule: null,
    conditions: [
      { field: 'entity.type', operator: 'equals', value: 'deposit' },
      { field: 'booking.status', operator: 'in', value: ['pending', 'deposit_required'] },
    ],
    actions: [
      { type: 'update_status', params: { entity_type: 'booking', new_status: 'confirmed' } },
      { type: 'create_task', params: { type: 'notify_model', about: 'booking' } },
    ],
    limits: null,
  },
];

/** The rule's columns from its definition (the version row keeps the whole definition). */
export function ruleColumnsOf(definition: RuleDefinition) {
  return {
    name: definition.name, description: definition.description, status: definition.status, trigger: definition.trigger,
    triggerFilters: definition.triggerFilters as Record<string, unknown> | null, schedule: definition.schedule,
    conditions: definition.conditions as unknown, actions: definition.actions as unknown, limits: definition.limits as Record<string, unknown> | null,
  };
}

export function seedAutomationRules(em: EntityManager): void {
  for (const definition of SHIPPED_RULES) {
    const rule = em.create(AutomationRule, { ...ruleColumnsOf(definition), version: 1 });
    em.create(AutomationRuleVersion, { rule, version: 1, definition: definition as unknown as Record<string, unknown>, change: 'shipped' });
  }
}
