/**
 * Model profiles (seed §3, §6.2): CRUD, status, stats, media metadata and links to services,
 * categories and attribute values. A model's status (active / inactive / suspended) is a profile
 * flag, not one of the four workflow lifecycles, so it is written directly (audited like every
 * other change here). Media changes are audited on the model they belong to.
 */
import { z } from 'zod';
import { Location, Model, ModelMedia, ModelStats } from '../../../db/entities/index.ts';
import { linkField, type ModelLink } from '../../../services/models.ts';
import { requirePermission } from '../../auth/authorize.ts';
import type { ResolverContext } from '../context.ts';
import { pageOf } from '../connection.ts';
import type { MediaStatus, Resolvers } from '../generated/types.ts';
import { mediaLinkOf } from '../../../services/media.ts';
import { callerOf, servicesOf } from '../services.ts';
import { invalidInput, isUuid, likePattern, optionalText, parseInput, slug, text } from '../validation.ts';

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
  bufferMinutes: z.number().int().min(0).max(1440).optional(),
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

const defined = <T extends object>(value: T) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Replaces one kind of link of a model; every id must exist. */
const mayReadInternal = (ctx: ResolverContext): boolean => ctx.viewer?.permissions.includes('models.internal') ?? false;

async function setLinks(ctx: ResolverContext, modelId: string, link: ModelLink, ids: readonly string[]): Promise<Model> {
  const viewer = requirePermission(ctx, 'models.write');
  const field = linkField(link);
  const parsed = parseInput(z.object({ [field]: z.array(z.uuid()).max(200) }), { [field]: ids })[field] as string[];
  return servicesOf(ctx).models.setLinks(callerOf(ctx, viewer), modelId, link, parsed);
}

export const modelResolvers: Resolvers = {
  Query: {
    async models(_, args, ctx) {
      requirePermission(ctx, 'models.read');
      return pageOf(ctx.em, Model, args, (where) => {
        if (args.status) where({ status: args.status });
        if (args.visibility) where({ visibility: args.visibility });
        for (const [field, id] of [['locationId', args.locationId], ['categoryId', args.categoryId], ['serviceId', args.serviceId]] as const) {
          if (id !== null && id !== undefined && !isUuid(id)) throw invalidInput(field, 'must be an id');
        }
        if (args.locationId) where({ primaryLocation: args.locationId });
        if (args.categoryId) where({ categories: { id: args.categoryId } });
        if (args.serviceId) where({ services: { id: args.serviceId } });
        if (args.search?.trim()) {
          const like = likePattern(args.search);
          where({ $or: [{ name: { $ilike: like } }, { slug: { $ilike: like } }, { publicCode: { $ilike: like } }] });
        }
      });
    },
    async modelMedia(_, args, ctx) {
      requirePermission(ctx, 'models.read');
      return isUuid(args.id) ? ctx.em.findOne(ModelMedia, { id: args.id }) : null;
    },
    async model(_, args, ctx) {
      requirePermission(ctx, 'models.read');
      if ((args.id == null) === (args.slug == null)) throw invalidInput('id', 'give either id or slug');
      if (args.id != null) return isUuid(args.id) ? ctx.em.findOne(Model, { id: args.id }) : null;
      return ctx.em.findOne(Model, { slug: String(args.slug) });
    },
  },
  Mutation: {
    async createModel(_, args, ctx) {
      const viewer = requirePermission(ctx, 'models.write');
      const input = parseInput(createModelInput, args.input);
      return servicesOf(ctx).models.createModel(callerOf(ctx, viewer), input);
    },
    async updateModel(_, args, ctx) {
      const viewer = requirePermission(ctx, 'models.write');
      const input = parseInput(updateModelInput, args.input);
      return servicesOf(ctx).models.updateModel(callerOf(ctx, viewer), args.id, input);
    },
    async setModelStatus(_, args, ctx) {
      const viewer = requirePermission(ctx, 'models.write');
      const { target, reason } = parseInput(z.object({ target: z.enum(STATUSES), reason: optionalText(1000) }), { target: args.status, reason: args.reason });
      return servicesOf(ctx).models.setModelStatus(callerOf(ctx, viewer), args.id, target, reason);
    },
    async updateModelStats(_, args, ctx) {
      const viewer = requirePermission(ctx, 'models.write');
      const input = defined(parseInput(statsInput, args.input));
      return servicesOf(ctx).models.updateModelStats(callerOf(ctx, viewer), args.modelId, input);
    },
    async addModelMedia(_, args, ctx) {
      const viewer = requirePermission(ctx, 'models.write');
      const input = parseInput(mediaInput, args.input);
      return servicesOf(ctx).models.addModelMedia(callerOf(ctx, viewer), args.modelId, input);
    },
    async updateModelMedia(_, args, ctx) {
      const viewer = requirePermission(ctx, 'models.write');
      const input = parseInput(updateMediaInput, args.input);
      return servicesOf(ctx).models.updateModelMedia(callerOf(ctx, viewer), args.id, input);
    },
    async removeModelMedia(_, args, ctx) {
      const viewer = requirePermission(ctx, 'models.write');
      return servicesOf(ctx).models.removeModelMedia(callerOf(ctx, viewer), args.id);
    },
    async reorderModelMedia(_, args, ctx) {
      const viewer = requirePermission(ctx, 'models.write');
      const { mediaIds } = parseInput(z.object({ mediaIds: z.array(z.uuid()).max(500) }), { mediaIds: args.mediaIds });
      return servicesOf(ctx).models.reorderModelMedia(callerOf(ctx, viewer), args.modelId, mediaIds);
    },
    setModelServices: (_, args, ctx) => setLinks(ctx, args.modelId, 'services', args.serviceIds),
    setModelCategories: (_, args, ctx) => setLinks(ctx, args.modelId, 'categories', args.categoryIds),
    setModelAttributeValues: (_, args, ctx) => setLinks(ctx, args.modelId, 'attributeValues', args.attributeValueIds),
    setModelServedLocations: (_, args, ctx) => setLinks(ctx, args.modelId, 'servedLocations', args.locationIds),
  },
  Model: {
    primaryLocation: (row, _, ctx) => (row.primaryLocation ? ctx.em.findOne(Location, { id: row.primaryLocation.id }) : null),
    // Hidden (null) from viewers without models.internal, as the seed keeps them from Content Managers.
    ratingInternal: (row, _, ctx) => (!mayReadInternal(ctx) || row.ratingInternal == null ? null : Number(row.ratingInternal)),
    notesInternal: (row, _, ctx) => (mayReadInternal(ctx) ? (row.notesInternal ?? null) : null),
    servedLocations: async (row) => (await row.servedLocations.loadItems()).slice().sort((a, b) => a.title.localeCompare(b.title)),
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
    status: (row) => row.status as MediaStatus,
    sizeBytes: (row) => (row.sizeBytes == null ? null : Number(row.sizeBytes)),
    // Signed for a public item the API serves (services/media.ts mediaLinkOf); the 5-minute rounding of the expiry gives the item and its sizes one expiry.
    url: (row, _, ctx) => mediaLinkOf(ctx.mediaLinks, row).url,
    urlExpiresAt: (row, _, ctx) => mediaLinkOf(ctx.mediaLinks, row).expiresAt,
    variants: (row, _, ctx) => [...(row.variants ?? [])].sort((a, b) => a.width - b.width)
      .map((v) => ({ width: v.width, height: v.height, bytes: v.bytes, url: mediaLinkOf(ctx.mediaLinks, row, v.width).url })),
  },
};
