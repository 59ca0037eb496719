/**
 * send_message: a message from a stored template through the outbound messaging layer
 * (services/messaging.ts sendMessage: stored, then delivered by its own workflow on the `ops`
 * queue with retries). The idempotency key is the action's request key
 * (`automation:<execution id>:<action index>`), so a retried activity or a re-run after a crash
 * finds the message it stored and never sends twice.
 *
 * Checked when the rule is saved: the template exists (and has a subject when the message may be
 * an email), every variable its active version uses has a source the trigger's events can reach
 * (domain/automation-messages.ts), and the recipient fits the channel and the trigger.
 */
import { z } from 'zod';
import { NAMED_RECIPIENTS, formatVariable, sourcesOf } from '../../domain/automation-messages.ts';
import { readField } from '../../domain/automation-conditions.ts';
import { invalidInput } from '../../domain/errors.ts';
import { checkField, fieldProblem } from '../automation-fields.ts';
import { activeTemplate } from '../message-templates.ts';
import { CHANNEL_ADDRESS, MESSAGE_CHANNELS, type MessageChannel, type SendMessageInput } from '../messaging.ts';
import { variablesUsed } from '../template-rendering.ts';
import { requireSubject } from './subjects.ts';
import { SUBJECTS, type ActionContext, type ActionModule } from './types.ts';

const params = z.object({
  /** email, telegram, whatsapp, or preferred (the client's preferred channel). */
  channel: z.enum([...MESSAGE_CHANNELS, 'preferred']),
  /** The template's key, e.g. deposit_reminder. */
  template: z.string().trim().regex(/^[a-z][a-z0-9_]{1,63}$/, 'a template key such as deposit_reminder'),
  /** client (default), ops (the team's configured address on the channel), or an address. */
  to: z.string().trim().min(1).max(320).default('client'),
  /** Template variable → field path (event.*, entity.*, booking.*, inquiry.*, client.*), where the default sources do not fit. */
  variables: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a template variable name'), z.string().trim().min(1).max(200)).optional(),
  /** What the message is about (recorded on the message): the event's entity or its booking / inquiry. */
  about: z.enum(SUBJECTS).default('event'),
}).strict();

type Params = z.infer<typeof params>;

/** Where the ops team is reached on a channel (platform/config.ts). */
const OPS_SETTING: Readonly<Record<MessageChannel, string>> = { telegram: 'TELEGRAM_OPS_CHAT_ID', email: 'OPS_EMAIL', whatsapp: 'OPS_WHATSAPP_NUMBER' };

/** The template's variable values, read from the rows as they are now; a variable without a value is left out (sendMessage names it). */
function valuesOf(context: ActionContext, used: readonly string[], mapping: Params['variables']): Record<string, string> {
  const currency = typeof context.facts.booking?.currency === 'string' ? context.facts.booking.currency : 'GBP';
  const values: Record<string, string> = {};
  for (const name of used) {
    for (const path of sourcesOf(name, mapping)) {
      const value = formatVariable(path, readField(context.facts, path), currency);
      if (value !== undefined) {
        values[name] = value;
        break;
      }
    }
  }
  return values;
}

/** The client to write to, or the contact an inquiry without a linked client came with. */
function clientRecipient(context: ActionContext, channel: Params['channel']): Pick<SendMessageInput, 'channel' | 'clientId' | 'to'> {
  const client = context.facts.client;
  if (client && typeof client.id === 'string') return { channel, clientId: client.id };
  const inquiry = context.facts.inquiry;
  const email = typeof inquiry?.client_email === 'string' ? inquiry.client_email : undefined;
  const phone = typeof inquiry?.client_phone === 'string' ? inquiry.client_phone : undefined;
  if ((channel === 'email' || channel === 'preferred') && email) return { channel: 'email', to: email };
  if (channel === 'whatsapp' && phone) return { channel, to: phone };
  throw invalidInput('to', `the ${context.event.entityType} concerns no client reachable by ${channel}`);
}

export const sendMessage: ActionModule<Params> = {
  type: 'send_message',
  params,
  async check(p, { em, trigger, field }) {
    const { template, version } = await activeTemplate(em, p.template, `${field}.template`);
    if ((p.channel === 'email' || p.channel === 'preferred') && !version.subject) {
      throw invalidInput(`${field}.template`, `template ${template.key} has no subject, which an email needs`);
    }
    if (p.to === 'ops') {
      if (p.channel === 'preferred') throw invalidInput(`${field}.channel`, 'the ops team has no preferred channel: name email, telegram or whatsapp');
    } else if (p.to === 'client') {
      if (fieldProblem(em, trigger, 'client.id') && fieldProblem(em, trigger, 'inquiry.id')) throw invalidInput(`${field}.to`, `${trigger.name} concerns no client`);
    } else {
      if (p.channel === 'preferred') throw invalidInput(`${field}.to`, `the preferred channel is the client's: send it to ${NAMED_RECIPIENTS[0]}, or name a channel for an address`);
      const address = CHANNEL_ADDRESS[p.channel].safeParse(p.channel === 'whatsapp' ? p.to.replace(/[\s().-]/g, '') : p.to);
      if (!address.success) throw invalidInput(`${field}.to`, `client, ops, or a ${p.channel} address (${address.error.issues[0]?.message ?? 'invalid'})`);
    }
    for (const [name, path] of Object.entries(p.variables ?? {})) checkField(em, trigger, path, `${field}.variables.${name}`);
    for (const name of variablesUsed(version)) {
      const sources = sourcesOf(name, p.variables);
      if (sources.every((path) => fieldProblem(em, trigger, path) !== undefined)) {
        throw invalidInput(`${field}.variables.${name}`, `template ${template.key} uses ${name}, which ${trigger.name} does not provide: map it to a field, e.g. "variables": {"${name}": "entity.ref"}`);
      }
    }
  },
  describe: (p) => `send ${p.template} by ${p.channel} to ${p.to}`,
  async run(p, context) {
    const about = requireSubject(context, p.about);
    const { version } = await activeTemplate(context.em, p.template, 'template');
    let recipient: Pick<SendMessageInput, 'channel' | 'clientId' | 'to'>;
    if (p.to === 'ops') {
      const channel = p.channel as MessageChannel;
      const to = context.opsAddress(channel);
      if (!to) throw invalidInput('to', `no ops address is configured for ${channel}: set ${OPS_SETTING[channel]}`);
      recipient = { channel, to };
    } else if (p.to === 'client') {
      recipient = clientRecipient(context, p.channel);
    } else {
      recipient = { channel: p.channel, to: p.to };
    }
    const sent = await context.services.messaging.sendMessage(context.caller, {
      ...recipient, templateKey: p.template, variables: valuesOf(context, variablesUsed(version), p.variables),
      idempotencyKey: context.caller.requestKey as string, subject: about,
    });
    // The log names the message, never its address or content (PII).
    return { outcome: 'done', detail: `message ${sent.messageId} (${p.template}) ${sent.status} by ${recipient.channel}`, data: { messageId: sent.messageId } };
  },
};
