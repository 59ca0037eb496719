/**
 * Message templates: stored, versioned, previewable. A template is addressed by its key
 * (`deposit_reminder`) from rules and replies; each content change saves a new numbered version
 * (never edited afterwards) and makes it active; any earlier version can be made active again.
 * Managing them is process configuration (seed §2: Owner, Ops Manager): automation.write;
 * reading and previewing: automation.read. Every change is audited in its transaction.
 */
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { MessageTemplate, MessageTemplateVersion, type TemplateVariable } from '../db/entities/index.ts';
import { assertPermission } from '../domain/access.ts';
import { conflict, invalidInput, notFound } from '../domain/errors.ts';
import { recordEdit } from './change-records.ts';
import type { Caller, ServiceDeps } from './context.ts';
import { isUuid } from './rows.ts';
import { assertValidTemplate, renderTemplate, sampleValues, variablesUsed, type RenderedMessage, type TemplateContent } from './template-rendering.ts';

export interface TemplateDraft extends TemplateContent {
  readonly variables: readonly TemplateVariable[];
}

export interface NewTemplate extends TemplateDraft {
  readonly key: string;
  readonly name: string;
  readonly description?: string | null | undefined;
}

export interface TemplateChange {
  readonly name?: string | undefined;
  readonly description?: string | null | undefined;
  /** New content: saved as the next version, which becomes active. */
  readonly content?: TemplateDraft | undefined;
}

/** A template's active version, ready to render. */
export interface ActiveTemplate {
  readonly template: MessageTemplate;
  readonly version: MessageTemplateVersion;
}

const KEY = /^[a-z][a-z0-9_]{1,63}$/;

function assertVariables(variables: readonly TemplateVariable[]): void {
  const seen = new Set<string>();
  variables.forEach((v, i) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(v.name)) throw invalidInput(`variables.${i}.name`, 'must be a name such as client_name');
    if (seen.has(v.name)) throw invalidInput(`variables.${i}.name`, `${v.name} is declared twice`);
    seen.add(v.name);
  });
}

function assertDraft(draft: TemplateDraft): void {
  assertVariables(draft.variables);
  if (!draft.bodyText.trim()) throw invalidInput('bodyText', 'must not be empty');
  assertValidTemplate(draft, draft.variables);
}

const versionColumns = (draft: TemplateDraft) => ({
  subject: draft.subject ?? null, bodyText: draft.bodyText, bodyHtml: draft.bodyHtml ?? null,
  variables: draft.variables.map((v) => ({ name: v.name, ...(v.description ? { description: v.description } : {}), ...(v.example !== undefined ? { example: v.example } : {}) })),
});

const templateSnapshot = (t: MessageTemplate) => ({ key: t.key, name: t.name, description: t.description ?? null, active_version: t.activeVersion, archived: t.archivedAt !== null && t.archivedAt !== undefined });

/** The active version of the (not archived) template with this key; VALIDATION naming `field` otherwise. */
export async function activeTemplate(em: EntityManager, key: string, field = 'templateKey'): Promise<ActiveTemplate> {
  const template = await em.findOne(MessageTemplate, { key, archivedAt: null });
  if (!template) throw invalidInput(field, `no message template ${key}`);
  const version = await em.findOneOrFail(MessageTemplateVersion, { templateId: template.id, version: template.activeVersion });
  return { template, version };
}

export function createMessageTemplateService(deps: ServiceDeps) {
  const { em } = deps;

  async function templateById(tx: EntityManager, id: string, lock = false): Promise<MessageTemplate> {
    const template = isUuid(id) ? await tx.findOne(MessageTemplate, { id }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true } : {}) : null;
    if (!template) throw notFound('message template', id);
    return template;
  }

  /** Applies a change to a template and audits it, in one transaction. */
  async function change(caller: Caller, id: string, reason: string, apply: (tx: EntityManager, t: MessageTemplate) => Promise<void>): Promise<MessageTemplate> {
    assertPermission(caller.principal, 'automation.write');
    await em.transactional(async (tx) => {
      // Locked: one change at a time per template, so version numbers are taken in order.
      const template = await templateById(tx, id, true);
      const before = templateSnapshot(template);
      await apply(tx, template);
      await tx.flush();
      await recordEdit(tx, caller, { action: 'UPDATE', entityType: 'message_template', entityId: template.id, before, after: templateSnapshot(template), metadata: { change: reason } });
    });
    return em.findOneOrFail(MessageTemplate, { id }, { refresh: true });
  }

  return {
    async createTemplate(caller: Caller, input: NewTemplate): Promise<MessageTemplate> {
      assertPermission(caller.principal, 'automation.write');
      if (!KEY.test(input.key)) throw invalidInput('key', 'must be lower case letters, digits and _ (2-64), starting with a letter, e.g. deposit_reminder');
      assertDraft(input);
      const id = await em.transactional(async (tx) => {
        if (await tx.findOne(MessageTemplate, { key: input.key })) throw conflict(`A message template with key ${input.key} exists.`, 'key');
        const template = tx.create(MessageTemplate, { key: input.key, name: input.name, description: input.description ?? null, activeVersion: 1 });
        await tx.flush();
        tx.create(MessageTemplateVersion, { templateId: template.id, version: 1, createdBy: caller.principal.id, ...versionColumns(input) });
        await tx.flush();
        await recordEdit(tx, caller, { action: 'CREATE', entityType: 'message_template', entityId: template.id, before: null, after: { ...templateSnapshot(template), version: 1 } });
        return template.id;
      });
      return em.findOneOrFail(MessageTemplate, { id }, { refresh: true });
    },

    /** Edits name / description; new content becomes the next version, made active. */
    updateTemplate(caller: Caller, id: string, input: TemplateChange): Promise<MessageTemplate> {
      if (input.content) assertDraft(input.content);
      return change(caller, id, input.content ? 'new version' : 'edited', async (tx, template) => {
        if (template.archivedAt) throw conflict(`Message template ${template.key} is deleted.`, 'id');
        if (input.name !== undefined) template.name = input.name;
        if (input.description !== undefined) template.description = input.description;
        if (input.content) {
          const [last] = await tx.find(MessageTemplateVersion, { templateId: template.id }, { orderBy: { version: 'desc' }, limit: 1 });
          const version = (last?.version ?? 0) + 1;
          tx.create(MessageTemplateVersion, { templateId: template.id, version, createdBy: caller.principal.id, ...versionColumns(input.content) });
          template.activeVersion = version;
        }
      });
    },

    /** Makes an earlier (or later) saved version the active one: a restore. */
    activateVersion(caller: Caller, id: string, version: number): Promise<MessageTemplate> {
      return change(caller, id, `version ${version} activated`, async (tx, template) => {
        if (template.archivedAt) throw conflict(`Message template ${template.key} is deleted.`, 'id');
        if (!(await tx.findOne(MessageTemplateVersion, { templateId: template.id, version }))) throw invalidInput('version', `template ${template.key} has no version ${version}`);
        template.activeVersion = version;
      });
    },

    /** Deletes a template: archived, so the messages sent with it keep their reference and its key stays taken. */
    deleteTemplate(caller: Caller, id: string): Promise<MessageTemplate> {
      return change(caller, id, 'deleted', async (_tx, template) => {
        if (template.archivedAt) throw conflict(`Message template ${template.key} is already deleted.`, 'id');
        template.archivedAt = new Date();
      });
    },

    /**
     * What a message would look like: a stored template (its active or a given version) or a
     * draft, with the given values, the declared examples filling in any not given.
     */
    async preview(caller: Caller, input: { templateId?: string | undefined; version?: number | undefined; draft?: TemplateDraft | undefined; variables: Record<string, unknown> }): Promise<RenderedMessage & { version: number | null; variablesUsed: string[] }> {
      assertPermission(caller.principal, 'automation.read');
      let draft: TemplateDraft;
      let version: number | null = null;
      if (input.draft) {
        assertDraft(input.draft);
        draft = input.draft;
      } else {
        if (!input.templateId) throw invalidInput('templateId', 'give a template id or a draft');
        const template = await templateById(em, input.templateId);
        version = input.version ?? template.activeVersion;
        const row = await em.findOne(MessageTemplateVersion, { templateId: template.id, version });
        if (!row) throw invalidInput('version', `template ${template.key} has no version ${version}`);
        draft = row;
      }
      const values = { ...sampleValues(draft.variables), ...input.variables };
      return { ...renderTemplate(draft, values), version, variablesUsed: variablesUsed(draft) };
    },

    versions(templateId: string): Promise<MessageTemplateVersion[]> {
      return em.find(MessageTemplateVersion, { templateId }, { orderBy: { version: 'desc' } });
    },
  };
}
