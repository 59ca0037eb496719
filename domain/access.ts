/**
 * Roles and permission codes (seed §2) as data. The database holds them (roles, permissions,
 * role_permissions) so they can be managed through the API; this module is the shipped default
 * and the vocabulary the code checks against.
 */
import { forbidden } from './errors.ts';

export const ROLE_CODES = [
  'OWNER', 'OPS_MANAGER', 'OPERATOR', 'CONTENT_MANAGER', 'FINANCE', 'INTEGRATIONS_ADMIN', 'READ_ONLY',
] as const;
export type RoleCode = (typeof ROLE_CODES)[number];

export const PERMISSIONS = {
  'action_center.read': 'See the Action Center',
  'inquiries.read': 'See inquiries',
  'inquiries.write': 'Create and edit inquiries, change their status, assign them',
  'bookings.read': 'See bookings',
  'bookings.write': 'Create and edit bookings, change their status, assign them',
  'tasks.read': 'See tasks',
  'tasks.write': 'Create, assign and complete tasks',
  'exceptions.read': 'See exceptions',
  'exceptions.write': 'Investigate, resolve and dismiss exceptions',
  'clients.read': 'See clients',
  'clients.write': 'Create and edit clients',
  'models.read': 'See model profiles',
  'models.write': 'Edit model profiles, media and status',
  'models.internal': 'See and edit internal notes and ratings of models (editing also needs models.write)',
  'directories.read': 'See services, categories, attributes, locations and call rates',
  'directories.write': 'Edit services, categories, attributes, locations and call rates',
  'availability.read': 'See availability slots and mismatches',
  'availability.write': 'Edit availability',
  'payments.read': 'See payments and finance fields',
  'payments.write': 'Create deposit intents, retry and refund payments',
  'automation.read': 'See automation rules and executions',
  'automation.write': 'Create, edit and test automation rules',
  'integrations.read': 'See integrations and their logs',
  'integrations.write': 'Configure integrations, webhooks and API keys',
  'users.read': 'See users and roles',
  'users.write': 'Create users, change roles, disable users',
  'audit.read': 'See the audit log',
  'system.read': 'See system health, metrics and queues',
  'settings.write': 'Change system settings',
  'pii.read': 'See unmasked phone numbers and emails',
  'entities.read_all': 'See every inquiry, booking, task and exception, not only assigned or unassigned ones',
  'escalations.manage': 'Receive escalations and reassign work between operators',
  'reports.run': 'Run and download operational reports (bookings by status, conversion funnel, SLA compliance)',
  'reports.finance': 'Run and download finance reports (revenue and deposits by model)',
} as const;
export type PermissionCode = keyof typeof PERMISSIONS;

const ALL = Object.keys(PERMISSIONS) as PermissionCode[];
const readsExcept = (...excluded: PermissionCode[]) =>
  ALL.filter((code) => code.endsWith('.read') && !excluded.includes(code));

export const ROLES: Readonly<Record<RoleCode, { name: string; description: string; permissions: readonly PermissionCode[] }>> = {
  OWNER: { name: 'Owner', description: 'Everything: settings, finance, integrations, users, automation, audit', permissions: ALL },
  OPS_MANAGER: {
    name: 'Ops Manager',
    description: 'Operations and process settings, automation rules, all bookings and inquiries, finance read-only, escalations',
    permissions: [
      ...readsExcept('integrations.read'),
      'inquiries.write', 'bookings.write', 'tasks.write', 'exceptions.write', 'clients.write',
      'availability.write', 'automation.write', 'entities.read_all', 'escalations.manage', 'models.internal', 'reports.run',
    ],
  },
  OPERATOR: {
    name: 'Operator',
    description: 'The Action Center and what is assigned to them: confirm bookings, handle exceptions, comment',
    permissions: [
      'action_center.read', 'inquiries.read', 'inquiries.write', 'bookings.read', 'bookings.write',
      'tasks.read', 'tasks.write', 'exceptions.read', 'exceptions.write', 'clients.read', 'models.read',
      'directories.read', 'availability.read', 'models.internal',
    ],
  },
  CONTENT_MANAGER: {
    name: 'Content Manager',
    description: 'Model profiles, media and directories; no bookings, finance or settings',
    permissions: ['models.read', 'models.write', 'directories.read', 'directories.write'],
  },
  FINANCE: {
    name: 'Finance',
    description: 'Payments, payouts, reports and reconciliation; cannot change bookings or automation',
    permissions: ['payments.read', 'payments.write', 'bookings.read', 'clients.read', 'entities.read_all', 'audit.read', 'reports.run', 'reports.finance'],
  },
  INTEGRATIONS_ADMIN: {
    name: 'Integrations Admin',
    description: 'API keys, webhooks, mappings, testing and integration logs; no bookings or finance',
    permissions: ['integrations.read', 'integrations.write', 'system.read'],
  },
  READ_ONLY: {
    name: 'Read Only',
    description: 'Sees all data except PII; changes nothing',
    permissions: [...readsExcept('pii.read'), 'entities.read_all', 'models.internal'],
  },
};

/**
 * Whoever acts: a signed-in user (their roles' permission codes) or the platform itself
 * (automation, webhooks, timers: `SYSTEM`). Services decide with these rules; the API only
 * turns a request into a principal.
 */
export interface Principal {
  /** null for the platform itself. */
  readonly id: string | null;
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
}

/** The platform acting on its own (automation rules, webhooks): every permission, no user. */
export const SYSTEM: Principal = { id: null, roles: ['SYSTEM'], permissions: Object.keys(PERMISSIONS) };

export function hasPermission(principal: Principal, permission: PermissionCode): boolean {
  return principal.permissions.includes(permission);
}

export function assertPermission(principal: Principal, permission: PermissionCode): void {
  if (!hasPermission(principal, permission)) {
    throw forbidden(`Your roles (${principal.roles.join(', ') || 'none'}) do not allow this: it needs ${permission}.`, permission);
  }
}

/** The entity policy: without entities.read_all a user sees what is theirs or unassigned. */
export function canSee(principal: Principal, assigneeId: string | null): boolean {
  return hasPermission(principal, 'entities.read_all') || assigneeId === null || assigneeId === principal.id;
}

/**
 * Handing work to someone else is an escalation (seed §2: ops managers reassign between
 * operators): without escalations.manage a user may take work or release it, not give it away.
 */
export function assertMayAssign(principal: Principal, assigneeId: string | null | undefined): void {
  if (!assigneeId || assigneeId === principal.id || hasPermission(principal, 'escalations.manage')) return;
  throw forbidden('Assigning work to someone else needs escalations.manage; you may assign it to yourself or unassign it.', 'escalations.manage');
}
