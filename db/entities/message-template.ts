import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, timestamptz, updatedAt, uuidPk } from './columns.ts';

/**
 * A message template (table `message_templates`), addressed by its key (`deposit_reminder`) from
 * rules and replies; its content lives in numbered, immutable versions, one of them active.
 */
export const MessageTemplate = defineEntity({
  name: 'MessageTemplate',
  tableName: 'message_templates',
  properties: {
    id: uuidPk(),
    key: p.text().unique(),
    name: p.text(),
    description: p.text().nullable(),
    activeVersion: p.integer().default(1),
    /** Deleted templates are archived: messages keep pointing at them and the key stays taken. */
    archivedAt: timestamptz().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type MessageTemplate = InferEntity<typeof MessageTemplate>;

/** A variable a template version declares: its name, what it means, a sample for previews. */
export interface TemplateVariable {
  readonly name: string;
  readonly description?: string | undefined;
  readonly example?: string | undefined;
}

/** One saved version of a template (table `message_template_versions`); never changed once written. */
export const MessageTemplateVersion = defineEntity({
  name: 'MessageTemplateVersion',
  tableName: 'message_template_versions',
  properties: {
    id: uuidPk(),
    templateId: p.uuid(),
    version: p.integer(),
    /** Email subject (Handlebars, plain text). */
    subject: p.text().nullable(),
    /** Plain-text body (Handlebars, not escaped): Telegram, WhatsApp and the email text part. */
    bodyText: p.text(),
    /** Email HTML body (Handlebars, HTML-escaped); without it email is plain text only. */
    bodyHtml: p.text().nullable(),
    variables: p.json<TemplateVariable[]>(),
    createdBy: p.uuid().nullable(),
    createdAt: createdAt(),
  },
  uniques: [{ name: 'uq_message_template_versions', properties: ['templateId', 'version'] }],
});
export type MessageTemplateVersion = InferEntity<typeof MessageTemplateVersion>;
