/**
 * Model profiles (seed §3, §6.2): create and edit, status, stats, media metadata and links to
 * services, categories, attribute values and served districts. A model's status (active /
 * inactive / suspended) is a small state machine (domain/models.ts), not one of the four workflow
 * lifecycles: checked here and written directly, with its audit entry. Internal notes and rating
 * need `models.internal`. Media changes are audited on the model they belong to.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AttributeValue, Category, Location, Model, ModelMedia, ModelStats, Service } from '../db/entities/index.ts';
import { assertPermission } from '../domain/access.ts';
import { conflict, invalidInput, notFound } from '../domain/errors.ts';
import { mediaStorageKey } from '../domain/media.ts';
import { INTERNAL_MODEL_FIELDS, assertModelStatusChange } from '../domain/models.ts';
import { mediaRemovalWorkflowId, removeModelMediaFilesWorkflowType, type RemoveMediaFilesInput } from '../workflows/media/messages.ts';
import { BACKGROUND_TASK_QUEUE } from '../workflows/task-queues.ts';
import { snapshot } from './audit-records.ts';
import { recordEdit } from './change-records.ts';
import type { Caller, ServiceDeps } from './context.ts';
import { isUuid } from './rows.ts';
import { uniquely } from './unique-writes.ts';

export interface NewModel {
  readonly publicCode: string;
  readonly name: string;
  readonly slug: string;
  readonly primaryLocationId: string | null;
  readonly status: string;
  readonly visibility: string;
  readonly ratingInternal: number | null;
  readonly notesInternal?: string | null | undefined;
}

/** Absent keys stay as they are; null clears. */
export interface ModelChanges {
  readonly publicCode?: string | undefined;
  readonly name?: string | undefined;
  readonly slug?: string | undefined;
  readonly primaryLocationId?: string | null | undefined;
  readonly visibility?: string | undefined;
  readonly ratingInternal?: number | null | undefined;
  readonly notesInternal?: string | null | undefined;
  /** Turnaround after each booking, minutes (held time). */
  readonly bufferMinutes?: number | undefined;
}

export interface NewMedia {
  readonly type: string;
  readonly storageKey: string;
  readonly url: string;
  readonly checksum?: string | null | undefined;
  readonly isPrimary: boolean;
  readonly isPublic: boolean;
  readonly sortOrder?: number | null | undefined;
}

export interface MediaChanges {
  readonly storageKey?: string | undefined;
  readonly url?: string | undefined;
  readonly checksum?: string | null | undefined;
  readonly isPrimary?: boolean | undefined;
  readonly isPublic?: boolean | undefined;
  readonly sortOrder?: number | undefined;
}

export type ModelLink = 'services' | 'categories' | 'attributeValues' | 'servedLocations';

/** Internal notes and rating are set or cleared only with models.internal (a Content Manager edits the public profile). */
function assertMayWriteInternal(caller: Caller, fields: { ratingInternal?: number | null | undefined; notesInternal?: string | null | undefined }): void {
  if (INTERNAL_MODEL_FIELDS.some((f) => fields[f] !== undefined)) assertPermission(caller.principal, 'models.internal');
}

const SLUG_TAKEN = 'Another model already has this slug.';
const CODE_TAKEN = 'Another model already has this public code.';

const defined = <T extends object>(value: T) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

async function modelOrFail(em: EntityManager, id: string): Promise<Model> {
  const row = isUuid(id) ? await em.findOne(Model, { id }) : null;
  if (!row) throw notFound('model', id);
  return row;
}

async function mediaOrFail(em: EntityManager, id: string): Promise<ModelMedia> {
  const row = isUuid(id) ? await em.findOne(ModelMedia, { id }) : null;
  if (!row) throw notFound('model media', id);
  return row;
}

async function assertUnique(em: EntityManager, fields: { slug?: string | undefined; publicCode?: string | undefined }, exceptId?: string): Promise<void> {
  if (fields.slug && (await em.count(Model, { slug: fields.slug, id: { $ne: exceptId ?? null } }))) throw conflict(SLUG_TAKEN, 'slug');
  if (fields.publicCode && (await em.count(Model, { publicCode: fields.publicCode, id: { $ne: exceptId ?? null } }))) throw conflict(CODE_TAKEN, 'publicCode');
}

async function locationRef(em: EntityManager, id: string | null | undefined): Promise<Location | null | undefined> {
  if (id === undefined || id === null) return id;
  const location = await em.findOne(Location, { id });
  if (!location) throw invalidInput('primaryLocationId', `no location ${id}`);
  return location;
}

const modelSnapshot = (row: Model) => ({
  id: row.id, publicCode: row.publicCode, name: row.name, slug: row.slug, status: row.status, visibility: row.visibility,
  primaryLocationId: row.primaryLocation?.id ?? null, ratingInternal: row.ratingInternal ?? null, notesInternal: row.notesInternal ?? null,
  bufferMinutes: row.bufferMinutes,
});
const mediaSnapshot = (row: ModelMedia) => ({
  id: row.id, type: row.type, storageKey: row.storageKey, url: row.url, checksum: row.checksum ?? null,
  isPrimary: row.isPrimary ?? false, isPublic: row.isPublic ?? true, sortOrder: row.sortOrder ?? 0,
});

/** One primary photo per model: choosing one demotes the others. */
async function demoteOtherPrimaries(em: EntityManager, modelId: string, keepId: string): Promise<void> {
  await em.nativeUpdate(ModelMedia, { model: modelId, id: { $ne: keepId }, isPrimary: true }, { isPrimary: false });
}

const LINKS: Record<ModelLink, { entity: typeof Service | typeof Category | typeof AttributeValue | typeof Location; field: string }> = {
  services: { entity: Service, field: 'serviceIds' },
  categories: { entity: Category, field: 'categoryIds' },
  attributeValues: { entity: AttributeValue, field: 'attributeValueIds' },
  servedLocations: { entity: Location, field: 'locationIds' },
};

/** The input field that lists a link's ids (for errors naming it). */
export const linkField = (link: ModelLink): string => LINKS[link].field;

export function createModelService(deps: ServiceDeps) {
  const inTransaction = <T>(work: (em: EntityManager) => Promise<T>) => deps.em.fork().transactional(work);
  const fresh = (id: string) => deps.em.fork().findOneOrFail(Model, { id });

  function auditMedia(em: EntityManager, caller: Caller, action: string, modelId: string, mediaId: string, before: object | null, after: object | null) {
    return recordEdit(em, caller, { action, entityType: 'model', entityId: modelId, before, after, metadata: { mediaId } });
  }

  return {
    async createModel(caller: Caller, { primaryLocationId, ...input }: NewModel): Promise<Model> {
      assertPermission(caller.principal, 'models.write');
      assertMayWriteInternal(caller, { ratingInternal: input.ratingInternal ?? undefined, notesInternal: input.notesInternal ?? undefined });
      const id = await inTransaction((em) => uniquely(async () => {
        await assertUnique(em, input);
        const row = em.create(Model, {
          ...input, ratingInternal: input.ratingInternal === null ? null : input.ratingInternal.toFixed(2),
          primaryLocation: await locationRef(em, primaryLocationId),
        });
        await em.flush();
        await recordEdit(em, caller, { action: 'CREATE', entityType: 'model', entityId: row.id, after: modelSnapshot(row) });
        return row.id;
      }, { slug: SLUG_TAKEN, publicCode: CODE_TAKEN }));
      return fresh(id);
    },

    async updateModel(caller: Caller, id: string, { primaryLocationId, ratingInternal, ...input }: ModelChanges): Promise<Model> {
      assertPermission(caller.principal, 'models.write');
      assertMayWriteInternal(caller, { ratingInternal, notesInternal: input.notesInternal });
      await inTransaction((em) => uniquely(async () => {
        const row = await modelOrFail(em, id);
        const before = modelSnapshot(row);
        await assertUnique(em, input, row.id);
        const location = await locationRef(em, primaryLocationId);
        em.assign(row, defined({
          ...input,
          ratingInternal: ratingInternal === undefined ? undefined : ratingInternal === null ? null : ratingInternal.toFixed(2),
          primaryLocation: location,
        }));
        await em.flush();
        await recordEdit(em, caller, { action: 'UPDATE', entityType: 'model', entityId: row.id, before, after: modelSnapshot(row) });
      }, { slug: SLUG_TAKEN, publicCode: CODE_TAKEN }));
      return fresh(id);
    },

    async setModelStatus(caller: Caller, id: string, target: string, reason: string | null | undefined): Promise<Model> {
      assertPermission(caller.principal, 'models.write');
      await inTransaction(async (em) => {
        const row = await modelOrFail(em, id);
        if (row.status === target) return;
        assertModelStatusChange(row.status, target, reason);
        await em.getConnection().execute('UPDATE models SET status = ?, updated_at = now() WHERE id = ?', [target, row.id], 'run', em.getTransactionContext());
        await recordEdit(em, caller, { action: 'STATUS_CHANGE', entityType: 'model', entityId: row.id, before: { status: row.status }, after: { status: target }, metadata: { reason } });
      });
      return fresh(id);
    },

    /** Absent keys stay as they are; null clears. */
    async updateModelStats(caller: Caller, modelId: string, input: Readonly<Record<string, unknown>>): Promise<Model> {
      assertPermission(caller.principal, 'models.write');
      await inTransaction(async (em) => {
        const model = await modelOrFail(em, modelId);
        const existing = await em.findOne(ModelStats, { model: model.id });
        const before = existing ? snapshot(existing) : null;
        const row = existing ?? em.create(ModelStats, { model });
        em.assign(row, defined(input));
        await em.flush();
        await recordEdit(em, caller, { action: 'STATS_UPDATE', entityType: 'model', entityId: model.id, before, after: row });
      });
      return fresh(modelId);
    },

    async addModelMedia(caller: Caller, modelId: string, input: NewMedia): Promise<ModelMedia> {
      assertPermission(caller.principal, 'models.write');
      const id = await inTransaction(async (em) => {
        const model = await modelOrFail(em, modelId);
        const [last] = await em.getConnection().execute<Array<{ next: number }>>(
          'SELECT coalesce(max(sort_order) + 1, 0)::int AS next FROM model_media WHERE model_id = ?', [model.id], 'all', em.getTransactionContext());
        const row = em.create(ModelMedia, { ...input, model, sortOrder: input.sortOrder ?? last?.next ?? 0 });
        await em.flush();
        if (row.isPrimary) await demoteOtherPrimaries(em, model.id, row.id);
        await auditMedia(em, caller, 'MEDIA_ADD', model.id, row.id, null, mediaSnapshot(row));
        return row.id;
      });
      return deps.em.fork().findOneOrFail(ModelMedia, { id });
    },

    async updateModelMedia(caller: Caller, id: string, input: MediaChanges): Promise<ModelMedia> {
      assertPermission(caller.principal, 'models.write');
      await inTransaction(async (em) => {
        const row = await mediaOrFail(em, id);
        const before = mediaSnapshot(row);
        em.assign(row, defined(input));
        await em.flush();
        if (input.isPrimary) await demoteOtherPrimaries(em, row.model.id, row.id);
        await auditMedia(em, caller, 'MEDIA_UPDATE', row.model.id, row.id, before, mediaSnapshot(row));
      });
      return deps.em.fork().findOneOrFail(ModelMedia, { id });
    },

    async removeModelMedia(caller: Caller, id: string): Promise<string> {
      assertPermission(caller.principal, 'models.write');
      await inTransaction(async (em) => {
        const row = await mediaOrFail(em, id);
        const before = mediaSnapshot(row);
        const modelId = row.model.id;
        em.remove(row);
        await em.flush();
        await auditMedia(em, caller, 'MEDIA_REMOVE', modelId, before.id, before, null);
        // The files go after the row, by a workflow started inside the transaction: if the start
        // fails nothing commits; if the commit fails, the workflow finds the row and keeps them
        // (activities/media.ts `removeMediaFiles`). Its store errors are retried, not the user's.
        await deps.temporal.workflow.start(removeModelMediaFilesWorkflowType, {
          taskQueue: BACKGROUND_TASK_QUEUE, workflowId: mediaRemovalWorkflowId(before.id),
          args: [{ mediaId: before.id, folder: mediaStorageKey(modelId, before.id, '') } satisfies RemoveMediaFilesInput],
        });
      });
      return id;
    },

    /** `mediaIds` lists every media id of the model exactly once, in the new order. */
    async reorderModelMedia(caller: Caller, modelId: string, mediaIds: readonly string[]): Promise<ModelMedia[]> {
      assertPermission(caller.principal, 'models.write');
      await inTransaction(async (em) => {
        const model = await modelOrFail(em, modelId);
        const media = await em.find(ModelMedia, { model: model.id }, { orderBy: { sortOrder: 'asc', createdAt: 'asc' } });
        const same = mediaIds.length === media.length && new Set(mediaIds).size === mediaIds.length && media.every((m) => mediaIds.includes(m.id));
        if (!same) throw invalidInput('mediaIds', 'list every media id of the model exactly once');
        const before = media.map((m) => m.id);
        for (const m of media) m.sortOrder = mediaIds.indexOf(m.id);
        await em.flush();
        await recordEdit(em, caller, { action: 'MEDIA_REORDER', entityType: 'model', entityId: model.id, before: { order: before }, after: { order: [...mediaIds] } });
      });
      return deps.em.fork().find(ModelMedia, { model: modelId }, { orderBy: { sortOrder: 'asc', createdAt: 'asc' } });
    },

    /** Replaces one kind of link of a model; every id must exist. */
    async setLinks(caller: Caller, modelId: string, link: ModelLink, ids: readonly string[]): Promise<Model> {
      assertPermission(caller.principal, 'models.write');
      const { entity, field } = LINKS[link];
      const unique = [...new Set(ids)];
      await inTransaction(async (em) => {
        const model = await modelOrFail(em, modelId);
        const targets = await em.find(entity as typeof Service, { id: { $in: unique } });
        const missing = unique.filter((id) => !targets.some((t) => t.id === id));
        if (missing.length) throw invalidInput(field, `unknown ${missing.join(', ')}`);
        const collection = model[link] as unknown as { loadItems(): Promise<Array<{ id: string }>>; set(items: unknown[]): void };
        const before = (await collection.loadItems()).map((t) => t.id).sort();
        collection.set(targets);
        await em.flush();
        await recordEdit(em, caller, { action: 'LINKS_CHANGE', entityType: 'model', entityId: model.id, before: { [link]: before }, after: { [link]: targets.map((t) => t.id).sort() } });
      });
      return fresh(modelId);
    },
  };
}

export type ModelService = ReturnType<typeof createModelService>;
