/**
 * Model profiles (seed §3, §6.2): CRUD, status, stats, media metadata and links to services,
 * categories and attribute values. A model's status (active / inactive / suspended) is a profile
 * flag, not one of the four workflow lifecycles, so it is written directly (audited like every
 * other change here). Media changes are audited on the model they belong to.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { AttributeValue, Category, Location, Model, ModelMedia, ModelStats, Service } from '../../../db/entities/index.ts';
import { requirePermission } from '../../auth/authorize.ts';
import type { Viewer } from '../../auth/sessions.ts';
import { recordAudit, snapshot } from '../audit-trail.ts';
import type { ResolverContext } from '../context.ts';
import { afterCursor, pageSize, toConnection } from '../connection.ts';
import type { Resolvers } from '../generated/types.ts';
import { conflict, invalidInput, isUuid, likePattern, notFound, optionalText, parseInput, slug, text, uniquely } from '../validation.ts';

const STATUSES = ['active', 'inactive', 'suspended'] as const;
const VISIBILITIES = ['public', 'private', 'unlisted'] as const;
const MEDIA_TYPES = ['photo', 'video', 'doc'] as const;

const publicCode = z.string().trim().toUpperCase().regex(/^[A-Z0-9]+(?:-[A-Z0-9]+)*$/, 'letters, digits and single dashes, e.g. SOPHIA-MF').max(40);
const rating = z.number().min(0).max(5).multipleOf(0.01).nullish();
const locationId = z.uuid().nullish();

const createModelInput = z.object({
  publicCode,
  name: text(200),
  slug,
  primaryLocationId: locationId.transform((v) => v ?? null),
  status: z.enum(STATUSES).nullish().transform((v) => v ?? 'active'),
  visibility: z.enum(VISIBILITIES).nullish().transform((v) => v ?? 'public'),
  ratingInternal: rating.transform((v) => v ?? null),
  notesInternal: optionalText(10_000),
});
const updateModelInput = z.object({
  publicCode: publicCode.optional(),
  name: text(200).optional(),
  slug: slug.optional(),
  primaryLocationId: locationId,
  visibility: z.enum(VISIBILITIES).optional(),
  ratingInternal: rating,
  notesInternal: optionalText(10_000).optional(),
});
const url = z.url({ protocol: /^https?$/ }).max(2000);
const sortOrder = z.number().int().min(0).max(100_000);
const mediaInput = z.object({
  type: z.enum(MEDIA_TYPES),
  storageKey: text(500),
  url,
  checksum: optionalText(200),
  isPrimary: z.boolean().nullish().transform((v) => v ?? false),
  isPublic: z.boolean().nullish().transform((v) => v ?? true),
  sortOrder: sortOrder.nullish(),
});
const updateMediaInput = z.object({
  storageKey: text(500).optional(),
  url: url.optional(),
  checksum: optionalText(200).optional(),
  isPrimary: z.boolean().optional(),
  isPublic: z.boolean().optional(),
  sortOrder: sortOrder.optional(),
});

const statText = optionalText(100).optional();
const words = z.array(text(50)).max(20).nullish();
/** Absent keys stay as they are; null clears. The seed's documented vocabularies are enforced. */
const statsInput = z.object({
  age: z.number().int().min(18).max(99).nullish(),
  height: z.number().int().min(120).max(230).nullish(),
  weight: z.number().int().min(30).max(200).nullish(),
  dressSize: statText,
  bustSize: statText,
  bustType: z.enum(['natural', 'enhanced']).nullish(),
  hairColour: statText,
  eyeColour: statText,
  smokingStatus: z.enum(['non-smoker', 'smoker', 'social']).nullish(),
  tattooStatus: z.enum(['none', 'small', 'large']).nullish(),
  piercingStatus: statText,
  orientation: statText,
  nationality: statText,
  languages: words,
  uniforms: words,
});

const SLUG_TAKEN = 'Another model already has this slug.';
const CODE_TAKEN = 'Another model already has this public code.';

const defined = <T extends object>(value: T) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
const inTransaction = <T>(ctx: ResolverContext, work: (em: EntityManager) => Promise<T>) => ctx.em.fork().transactional(work);
const fresh = (ctx: ResolverContext, id: string) => ctx.em.fork().findOneOrFail(Model, { id });

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

async function assertUnique(em: EntityManager, fields: { slug?: string; publicCode?: string }, exceptId?: string): Promise<void> {
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
});
const mediaSnapshot = (row: ModelMedia) => ({
  id: row.id, type: row.type, storageKey: row.storageKey, url: row.url, checksum: row.checksum ?? null,
  isPrimary: row.isPrimary ?? false, isPublic: row.isPublic ?? true, sortOrder: row.sortOrder ?? 0,
});

/** One primary photo per model: choosing one demotes the others. */
async function demoteOtherPrimaries(em: EntityManager, modelId: string, keepId: string): Promise<void> {
  await em.nativeUpdate(ModelMedia, { model: modelId, id: { $ne: keepId }, isPrimary: true }, { isPrimary: false });
}

async function auditMedia(em: EntityManager, ctx: ResolverContext, viewer: Viewer, action: string, modelId: string, mediaId: string, before: object | null, after: object | null) {
  await recordAudit(em, { viewer, client: ctx.client, action, entityType: 'model', entityId: modelId, before, after, metadata: { mediaId } });
}

type Link = 'services' | 'categories' | 'attributeValues';
const LINKS: Record<Link, { entity: typeof Service | typeof Category | typeof AttributeValue; field: string }> = {
  services: { entity: Service, field: 'serviceIds' },
  categories: { entity: Category, field: 'categoryIds' },
  attributeValues: { entity: AttributeValue, field: 'attributeValueIds' },
};

/** Replaces one kind of link of a model; every id must exist. */
async function setLinks(ctx: ResolverContext, modelId: string, link: Link, ids: readonly string[]): Promise<Model> {
  const viewer = requirePermission(ctx.viewer, 'models.write');
  const { entity, field } = LINKS[link];
  const unique = parseInput(z.object({ [field]: z.array(z.uuid()).max(200) }), { [field]: ids })[field] as string[];
  await inTransaction(ctx, async (em) => {
    const model = await modelOrFail(em, modelId);
    const targets = await em.find(entity as typeof Service, { id: { $in: [...new Set(unique)] } });
    const missing = [...new Set(unique)].filter((id) => !targets.some((t) => t.id === id));
    if (missing.length) throw invalidInput(field, `unknown ${missing.join(', ')}`);
    const collection = model[link] as unknown as { loadItems(): Promise<Array<{ id: string }>>; set(items: unknown[]): void };
    const before = (await collection.loadItems()).map((t) => t.id).sort();
    collection.set(targets);
    await em.flush();
    await recordAudit(em, { viewer, client: ctx.client, action: 'LINKS_CHANGE', entityType: 'model', entityId: model.id, before: { [link]: before }, after: { [link]: targets.map((t) => t.id).sort() } });
  });
  return fresh(ctx, modelId);
}

export const modelResolvers: Resolvers = {
  Query: {
    async models(_, args, ctx) {
      requirePermission(ctx.viewer, 'models.read');
      const size = pageSize(args.first);
      const conditions: Record<string, unknown>[] = [];
      if (args.status) conditions.push({ status: args.status });
      if (args.visibility) conditions.push({ visibility: args.visibility });
      for (const [field, id] of [['locationId', args.locationId], ['categoryId', args.categoryId], ['serviceId', args.serviceId]] as const) {
        if (id !== null && id !== undefined && !isUuid(id)) throw invalidInput(field, 'must be an id');
      }
      if (args.locationId) conditions.push({ primaryLocation: args.locationId });
      if (args.categoryId) conditions.push({ categories: { id: args.categoryId } });
      if (args.serviceId) conditions.push({ services: { id: args.serviceId } });
      if (args.search?.trim()) {
        const like = likePattern(args.search);
        conditions.push({ $or: [{ name: { $ilike: like } }, { slug: { $ilike: like } }, { publicCode: { $ilike: like } }] });
      }
      const after = afterCursor(args.after);
      if (after) conditions.push(after);
      const rows = await ctx.em.find(Model, { $and: conditions }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 });
      return toConnection(rows, size);
    },
    async model(_, args, ctx) {
      requirePermission(ctx.viewer, 'models.read');
      if ((args.id == null) === (args.slug == null)) throw invalidInput('id', 'give either id or slug');
      if (args.id != null) return isUuid(args.id) ? ctx.em.findOne(Model, { id: args.id }) : null;
      return ctx.em.findOne(Model, { slug: String(args.slug) });
    },
  },
  Mutation: {
    async createModel(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'models.write');
      const { primaryLocationId, ...input } = parseInput(createModelInput, args.input);
      const id = await inTransaction(ctx, (em) => uniquely(async () => {
        await assertUnique(em, input);
        const row = em.create(Model, {
          ...input, ratingInternal: input.ratingInternal === null ? null : input.ratingInternal.toFixed(2),
          primaryLocation: await locationRef(em, primaryLocationId),
        });
        await em.flush();
        await recordAudit(em, { viewer, client: ctx.client, action: 'CREATE', entityType: 'model', entityId: row.id, after: modelSnapshot(row) });
        return row.id;
      }, { slug: SLUG_TAKEN, publicCode: CODE_TAKEN }));
      return fresh(ctx, id);
    },
    async updateModel(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'models.write');
      const { primaryLocationId, ratingInternal, ...input } = parseInput(updateModelInput, args.input);
      await inTransaction(ctx, (em) => uniquely(async () => {
        const row = await modelOrFail(em, args.id);
        const before = modelSnapshot(row);
        await assertUnique(em, input, row.id);
        const location = await locationRef(em, primaryLocationId);
        em.assign(row, defined({
          ...input,
          ratingInternal: ratingInternal === undefined ? undefined : ratingInternal === null ? null : ratingInternal.toFixed(2),
          primaryLocation: location,
        }));
        await em.flush();
        await recordAudit(em, { viewer, client: ctx.client, action: 'UPDATE', entityType: 'model', entityId: row.id, before, after: modelSnapshot(row) });
      }, { slug: SLUG_TAKEN, publicCode: CODE_TAKEN }));
      return fresh(ctx, args.id);
    },
    async setModelStatus(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'models.write');
      const { target, reason } = parseInput(z.object({ target: z.enum(STATUSES), reason: optionalText(1000) }), { target: args.status, reason: args.reason });
      await inTransaction(ctx, async (em) => {
        const row = await modelOrFail(em, args.id);
        if (row.status === target) return;
        await em.getConnection().execute('UPDATE models SET status = ?, updated_at = now() WHERE id = ?', [target, row.id], 'run', em.getTransactionContext());
        await recordAudit(em, { viewer, client: ctx.client, action: 'STATUS_CHANGE', entityType: 'model', entityId: row.id, before: { status: row.status }, after: { status: target }, metadata: { reason } });
      });
      return fresh(ctx, args.id);
    },
    async updateModelStats(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'models.write');
      const input = defined(parseInput(statsInput, args.input));
      await inTransaction(ctx, async (em) => {
        const model = await modelOrFail(em, args.modelId);
        const existing = await em.findOne(ModelStats, { model: model.id });
        const before = existing ? snapshot(existing) : null;
        const row = existing ?? em.create(ModelStats, { model });
        em.assign(row, input);
        await em.flush();
        await recordAudit(em, { viewer, client: ctx.client, action: 'STATS_UPDATE', entityType: 'model', entityId: model.id, before, after: row });
      });
      return fresh(ctx, args.modelId);
    },
    async addModelMedia(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'models.write');
      const input = parseInput(mediaInput, args.input);
      const id = await inTransaction(ctx, async (em) => {
        const model = await modelOrFail(em, args.modelId);
        const [last] = await em.getConnection().execute<Array<{ next: number }>>(
          'SELECT coalesce(max(sort_order) + 1, 0)::int AS next FROM model_media WHERE model_id = ?', [model.id], 'all', em.getTransactionContext());
        const row = em.create(ModelMedia, { ...input, model, sortOrder: input.sortOrder ?? last?.next ?? 0 });
        await em.flush();
        if (row.isPrimary) await demoteOtherPrimaries(em, model.id, row.id);
        await auditMedia(em, ctx, viewer, 'MEDIA_ADD', model.id, row.id, null, mediaSnapshot(row));
        return row.id;
      });
      return ctx.em.fork().findOneOrFail(ModelMedia, { id });
    },
    async updateModelMedia(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'models.write');
      const input = parseInput(updateMediaInput, args.input);
      await inTransaction(ctx, async (em) => {
        const row = await mediaOrFail(em, args.id);
        const before = mediaSnapshot(row);
        em.assign(row, defined(input));
        await em.flush();
        if (input.isPrimary) await demoteOtherPrimaries(em, row.model.id, row.id);
        await auditMedia(em, ctx, viewer, 'MEDIA_UPDATE', row.model.id, row.id, before, mediaSnapshot(row));
      });
      return ctx.em.fork().findOneOrFail(ModelMedia, { id: args.id });
    },
    async removeModelMedia(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'models.write');
      await inTransaction(ctx, async (em) => {
        const row = await mediaOrFail(em, args.id);
        const before = mediaSnapshot(row);
        const modelId = row.model.id;
        em.remove(row);
        await em.flush();
        await auditMedia(em, ctx, viewer, 'MEDIA_REMOVE', modelId, before.id, before, null);
      });
      return args.id;
    },
    async reorderModelMedia(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'models.write');
      const { mediaIds } = parseInput(z.object({ mediaIds: z.array(z.uuid()).max(500) }), { mediaIds: args.mediaIds });
      await inTransaction(ctx, async (em) => {
        const model = await modelOrFail(em, args.modelId);
        const media = await em.find(ModelMedia, { model: model.id }, { orderBy: { sortOrder: 'asc', createdAt: 'asc' } });
        const same = mediaIds.length === media.length && new Set(mediaIds).size === mediaIds.length && media.every((m) => mediaIds.includes(m.id));
        if (!same) throw invalidInput('mediaIds', 'list every media id of the model exactly once');
        const before = media.map((m) => m.id);
        for (const m of media) m.sortOrder = mediaIds.indexOf(m.id);
        await em.flush();
        await recordAudit(em, { viewer, client: ctx.client, action: 'MEDIA_REORDER', entityType: 'model', entityId: model.id, before: { order: before }, after: { order: mediaIds } });
      });
      return ctx.em.fork().find(ModelMedia, { model: args.modelId }, { orderBy: { sortOrder: 'asc', createdAt: 'asc' } });
    },
    setModelServices: (_, args, ctx) => setLinks(ctx, args.modelId, 'services', args.serviceIds),
    setModelCategories: (_, args, ctx) => setLinks(ctx, args.modelId, 'categories', args.categoryIds),
    setModelAttributeValues: (_, args, ctx) => setLinks(ctx, args.modelId, 'attributeValues', args.attributeValueIds),
  },
  Model: {
    primaryLocation: (row, _, ctx) => (row.primaryLocation ? ctx.em.findOne(Location, { id: row.primaryLocation.id }) : null),
    ratingInternal: (row) => (row.ratingInternal == null ? null : Number(row.ratingInternal)),
    stats: (row, _, ctx) => ctx.em.findOne(ModelStats, { model: row.id }),
    media: (row, _, ctx) => ctx.em.find(ModelMedia, { model: row.id }, { orderBy: { sortOrder: 'asc', createdAt: 'asc' } }),
    services: async (row) => (await row.services.loadItems()).slice().sort((a, b) => a.title.localeCompare(b.title)),
    categories: async (row) => (await row.categories.loadItems()).slice().sort((a, b) => a.title.localeCompare(b.title)),
    attributeValues: async (row) => (await row.attributeValues.loadItems()).slice().sort((a, b) => (a.sortOrder ?? 0) - (b.sortOrder ?? 0) || a.value.localeCompare(b.value)),
  },
  ModelStats: {
    languages: (row) => row.languages ?? [],
    uniforms: (row) => row.uniforms ?? [],
  },
  ModelMedia: {
    modelId: (row) => row.model.id,
    isPrimary: (row) => row.isPrimary ?? false,
    isPublic: (row) => row.isPublic ?? true,
    sortOrder: (row) => row.sortOrder ?? 0,
  },
};
