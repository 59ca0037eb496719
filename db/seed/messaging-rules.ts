/**
 * Seed rules 2 and 3 (seed §8), the shipped rules that send messages. Kept apart because two
 * writers use them: the seed of an empty database (reference-data.ts) and the migration that
 * switches them on in installations seeded before send_message existed.
 */
import type { RuleDefinition } from '../../domain/automation-rules.ts';

export const SHIPPED_DEPOSIT_REMINDER: RuleDefinition = {
  name: 'Send deposit reminder if not paid in 2 hours',
  description: 'Seed rule 2: 2 h after an inquiry enters awaiting_deposit, the client gets the deposit_reminder email; dropped if the inquiry moved on first (deposit paid and converted, or lost).',
  status: 'active',
  trigger: 'inquiry.status_changed',
  triggerFilters: { new_status: 'awaiting_deposit' },
  schedule: null,
  conditions: [],
  actions: [
    { type: 'schedule_followup', params: { delay_minutes: 120, action: { type: 'send_message', params: { channel: 'email', template: 'deposit_reminder' } } } },
  ],
  limits: null,
};

export const SHIPPED_NO_SHOW_RISK: RuleDefinition = {
  name: 'Detect no-show risk 30min before booking',
  description: 'Seed rule 3: 30 min before a confirmed booking whose client has not confirmed arrival, a no_show_risk exception and a Telegram alert to the ops chat (TELEGRAM_OPS_CHAT_ID).',
  status: 'active',
  trigger: 'booking.approaching',
  triggerFilters: { minutes_until_start: 30 },
  schedule: null,
  // Read from the booking's row when the rule runs (not from the timer's payload): an arrival confirmed since counts.
  conditions: [
    { field: 'entity.status', operator: 'equals', value: 'confirmed' },
    { field: 'entity.client_confirmed_arrival', operator: 'equals', value: false },
  ],
  actions: [
    { type: 'create_exception', params: { type: 'no_show_risk', severity: 'high' } },
    { type: 'send_message', params: { channel: 'telegram', template: 'no_show_alert', to: 'ops' } },
  ],
  limits: null,
};
