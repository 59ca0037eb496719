/**
 * Message templates, the messages log and outgoing webhooks: reads and the parsing of template
 * input; the commands are services/message-templates.ts and services/outgoing-webhooks.ts.
 */
import { z } from 'zod';
import { Message, MessageTemplate, MessageTemplateVersion, WebhookOut } from '../../../db/entities/index.ts';
import { maskEmail, maskPhone } from '../../../domain/masking.ts';
import type { TemplateDraft } from '../../../services/message-templates.ts';
import type { MessageChannel, MessageStatus } from '../../../services/messaging.ts';
import type { WebhookStatus } from '../../../services/outgoing-webhooks.ts';
import { requirePermission } from '../../auth/authorize.ts';
import type { Viewer } from '../../auth/sessions.ts';
import { pageOf } from '../connection.ts';
import type { Resolvers } from '../generated/types.ts';
import { callerOf, servicesOf } from '../services.ts';
import { parseInput } from '../validation.ts';
import { invalidInput, isUuid, jsonText, likePattern, parseJsonObject, rangeCondition, redactFor } from './operations-support.ts';

const text = (max: number) => z.string().max(max);
const contentInput = z.object({
  subject: text(500).optional().nullable(),
  bodyText: text(20_000),
  bodyHtml: text(100_000).optional().nullable(),
  variables: z.array(z.object({
    name: z.string().trim().min(1).max(64),
    description: text(500).optional().nullable(),
    example: text(1000).optional().nullable(),
  })).max(100),
});
const templateFields = { name: z.string().trim().min(1).max(200), description: text(2000).optional().nullable() };
const createInput = z.object({ key: z.string().trim().min(1).max(64), ...templateFields, content: contentInput });
const updateInput = z.object({ name: templateFields.name.optional().nullable(), description: templateFields.description, content: contentInput.optional().nullable() });

const draftOf = (content: z.infer<typeof contentInput>): TemplateDraft => ({
  subject: content.subject ?? null, bodyText: content.bodyText, bodyHtml: content.bodyHtml ?? null,
  variables: content.variables.map((v) => ({ name: v.name, description: v.description ?? undefined, example: v.example ?? undefined })),
});

const uuidFilter = (field: string, value: string | null | undefined) => {
  if (value === null || value === undefined) return undefined;
  if (!isUuid(value)) throw invalidInput(field, 'must be an id');
  return value;
};

/** A recipient as this viewer may see it: whole with pii.read, masked otherwise. */
function recipientFor(viewer: Viewer | undefined, row: Message): string {
  if (viewer?.permissions.includes('pii.read')) return row.recipient;
  if (row.channel === 'email') return maskEmail(row.recipient) ?? '***';
  return maskPhone(row.channel === 'whatsapp' ? `+${row.recipient}` : row.recipient) ?? '***';
}
const contentFor = (viewer: Viewer | undefined, value: string | null | undefined) => (viewer?.permissions.includes('pii.read') ? value ?? null : null);

export const messagingResolvers: Resolvers = {
  Query: {
    async messageTemplate(_, args, ctx) {
      requirePermission(ctx, 'automation.read');
      if (args.id) return isUuid(args.id) ? ctx.em.findOne(MessageTemplate, { id: args.id }) : null;
      if (args.key) return ctx.em.findOne(MessageTemplate, { key: args.key });
      throw invalidInput('id', 'give id or key');
    },
    async messageTemplates(_, args, ctx) {
      requirePermission(ctx, 'automation.read');
      return pageOf(ctx.em, MessageTemplate, args, (where) => {
        if (!args.includeDeleted) where({ archivedAt: null });
        if (args.q) where({ $or: [{ key: { $ilike: likePattern(args.q) } }, { name: { $ilike: likePattern(args.q) } }] });
      });
    },
    async previewMessageTemplate(_, args, ctx) {
      const viewer = requirePermission(ctx, 'automation.read');
      const { templateId, version, draft, variables } = args.input;
      if (templateId && draft) throw invalidInput('draft', 'give a template id or a draft, not both');
      return servicesOf(ctx).messageTemplates.preview(callerOf(ctx, viewer), {
        templateId: templateId ?? undefined,
        version: version ?? undefined,
        draft: draft ? draftOf(parseInput(contentInput, draft)) : undefined,
        variables: parseJsonObject('variables', variables) ?? {},
      });
    },
    async message(_, args, ctx) {
      requirePermission(ctx, 'automation.read');
      // The outbound log: inbound messages are read with their inquiry's conversation.
      return isUuid(args.id) ? ctx.em.findOne(Message, { id: args.id, direction: 'outbound' }) : null;
    },
    async messages(_, args, ctx) {
      requirePermission(ctx, 'automation.read');
      return pageOf(ctx.em, Message, args, async (where) => {
        where({ direction: 'outbound' });
        if (args.channel) where({ channel: args.channel });
        if (args.status) where({ status: args.status });
        const clientId = uuidFilter('clientId', args.clientId);
        if (clientId) where({ clientId });
        if (args.subjectType) where({ subjectType: args.subjectType });
        const subjectId = uuidFilter('subjectId', args.subjectId);
        if (subjectId) where({ subjectId });
        if (args.templateKey) {
          const template = await ctx.em.findOne(MessageTemplate, { key: args.templateKey });
          where({ templateId: template?.id ?? '00000000-0000-0000-0000-000000000000' });
        }
        where(rangeCondition('createdAt', args.createdFrom, args.createdTo, ['createdFrom', 'createdTo']));
      });
    },
    async outgoingWebhook(_, args, ctx) {
      requirePermission(ctx, 'integrations.read');
      return isUuid(args.id) ? ctx.em.findOne(WebhookOut, { id: args.id }) : null;
    },
    async outgoingWebhooks(_, args, ctx) {
      requirePermission(ctx, 'integrations.read');
      return pageOf(ctx.em, WebhookOut, args, (where) => {
        if (args.status) where({ status: args.status });
        if (args.eventType) where({ eventType: args.eventType });
        where(rangeCondition('createdAt', args.createdFrom, args.createdTo, ['createdFrom', 'createdTo']));
      });
    },
  },
  Mutation: {
    async createMessageTemplate(_, args, ctx) {
      const viewer = requirePermission(ctx, 'automation.write');
      const input = parseInput(createInput, args.input);
      return servicesOf(ctx).messageTemplates.createTemplate(callerOf(ctx, viewer), {
        key: input.key, name: input.name, description: input.description ?? null, ...draftOf(input.content),
      });
    },
    async updateMessageTemplate(_, args, ctx) {
      const viewer = requirePermission(ctx, 'automation.write');
      const input = parseInput(updateInput, args.input);
      return servicesOf(ctx).messageTemplates.updateTemplate(callerOf(ctx, viewer), args.id, {
        name: input.name ?? undefined, description: input.description, content: input.content ? draftOf(input.content) : undefined,
      });
    },
    async activateMessageTemplateVersion(_, args, ctx) {
      const viewer = requirePermission(ctx, 'automation.write');
      return servicesOf(ctx).messageTemplates.activateVersion(callerOf(ctx, viewer), args.id, args.version);
    },
    async deleteMessageTemplate(_, args, ctx) {
      const viewer = requirePermission(ctx, 'automation.write');
      return servicesOf(ctx).messageTemplates.deleteTemplate(callerOf(ctx, viewer), args.id);
    },
    async redeliverOutgoingWebhook(_, args, ctx) {
      const viewer = requirePermission(ctx, 'integrations.write');
      return servicesOf(ctx).outgoingWebhooks.redeliverWebhook(callerOf(ctx, viewer), args.id);
    },
  },
  MessageTemplate: {
    active: (row, _, ctx) => ctx.em.findOneOrFail(MessageTemplateVersion, { templateId: row.id, version: row.activeVersion }),
    versions: (row, _, ctx) => ctx.em.find(MessageTemplateVersion, { templateId: row.id }, { orderBy: { version: 'desc' } }),
    deleted: (row) => row.archivedAt !== null && row.archivedAt !== undefined,
  },
  MessageTemplateVersion: {
    variables: (row) => row.variables.map((v) => ({ name: v.name, description: v.description ?? null, example: v.example ?? null })),
  },
  Message: {
    channel: (row) => row.channel as MessageChannel,
    status: (row) => row.status as MessageStatus,
    recipient: (row, _, ctx) => recipientFor(ctx.viewer, row),
    templateKey: async (row, _, ctx) => (await ctx.em.findOneOrFail(MessageTemplate, { id: row.templateId })).key,
    subject: (row, _, ctx) => contentFor(ctx.viewer, row.subject),
    bodyText: (row, _, ctx) => contentFor(ctx.viewer, row.bodyText),
    bodyHtml: (row, _, ctx) => contentFor(ctx.viewer, row.bodyHtml),
  },
  OutgoingWebhook: {
    status: (row) => row.status as WebhookStatus,
    payload: (row, _, ctx) => jsonText(redactFor(ctx.viewer, row.payload)) ?? '{}',
    attempts: (row) => row.attempts ?? 0,
  },
};
