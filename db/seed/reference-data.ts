/**
 * Reference data every installation starts with: roles and permissions (seed §2), SLA
 * policies (seed §6.6) and the seed's four automation rules (seed §8) as shipped defaults.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { ROLES, PERMISSIONS, type RoleCode } from '../../domain/access.ts';
import { AutomationRule, Permission, Role, SlaPolicy } from '../entities/index.ts';

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

/** The four example rules of seed §8, exactly as specified there. */
export function seedAutomationRules(em: EntityManager): void {
  em.create(AutomationRule, {
    name: 'Auto-qualify web inquiries from valid email domains',
    trigger: 'inquiry.created',
    triggerFilters: { source: 'web' },
    conditions: [
      { field: 'client_email', operator: 'not_contains', value: '@temp' },
      { field: 'client_email', operator: 'not_contains', value: '@trash' },
    ],
    actions: [
      { type: 'update_status', params: { entity_type: 'inquiry', new_status: 'qualified' } },
      { type: 'create_task', params: { type: 'review_inquiry', assigned_to: 'next_available' } },
    ],
  });
  em.create(AutomationRule, {
    name: 'Send deposit reminder if not paid in 2 hours',
    trigger: 'inquiry.status_changed',
    triggerFilters: { new_status: 'awaiting_deposit' },
    conditions: [],
    actions: [
      {
        type: 'schedule_followup',
        params: { delay_minutes: 120, action: { type: 'send_message', params: { channel: 'email', template: 'deposit_reminder' } } },
      },
    ],
  });
  em.create(AutomationRule, {
    name: 'Detect no-show risk 30min before booking',
    trigger: 'booking.approaching',
    triggerFilters: { minutes_until_start: 30 },
    conditions: [
      { field: 'status', operator: 'equals', value: 'confirmed' },
      { field: 'client_confirmed_arrival', operator: 'equals', value: false },
    ],
    actions: [
      { type: 'create_exception', params: { type: 'no_show_risk', severity: 'high' } },
      { type: 'send_message', params: { channel: 'telegram', template: 'no_show_alert' } },
    ],
  });
  em.create(AutomationRule, {
    name: 'Escalate failed payments',
    trigger: 'payment.failed',
    triggerFilters: null,
    conditions: [{ field: 'type', operator: 'equals', value: 'deposit' }],
    actions: [
      { type: 'create_exception', params: { type: 'payment_failed', severity: 'high' } },
      { type: 'create_task', params: { type: 'retry_payment', assigned_to: 'finance_team' } },
      { type: 'update_status', params: { entity_type: 'booking', new_status: 'deposit_required' } },
    ],
  });
}
