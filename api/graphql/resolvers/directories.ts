/**
 * Directories (seed §6.3): services, categories, attributes and their values, locations and call
 * rates. One table-driven implementation: each kind declares its validation, its sort key, its
 * search columns and its unique columns. Lists page by (sort key, id) because several of these
 * tables have no created_at. A row still referred to (by a model, a booking, a rate …) cannot be
 * deleted: CONFLICT names the referrers, and archiving (status: archived) is the way out.
 */
import type { EntityManager, EntityName, FilterQuery } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { Attribute, AttributeValue, CallRate, Category, Location, Service } from '../../../db/entities/index.ts';
import type { PermissionCode } from '../../../domain/access.ts';
import { requirePermission } from '../../auth/authorize.ts';
import { recordAudit, snapshot } from '../audit-trail.ts';
import type { ResolverContext } from '../context.ts';
import { badCursor, pageSize } from '../connection.ts';
import type { Resolvers } from '../generated/types.ts';
import { conflict, invalidInput, isUuid, likePattern, money, notFound, optionalText, parseInput, slug, text, uniquely } from '../validation.ts';

const READ: PermissionCode = 'directories.read';
const WRITE: PermissionCode = 'directories.write';

const status = z.enum(['active', 'archived']).nullish().transform((v) => v ?? undefined);
const bool = z.boolean().nullish().transform((v) => v ?? undefined);
const timezone = z.string().trim().refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', 'an IANA time zone, e.g. Europe/London');
const coordinate = (max: number) => z.number().min(-max).max(max).nullish().transform((v) => (v === undefined ? undefined : v === null ? null : v.toFixed(6)));

type Row = { id: string };

/** What differs between directory kinds; the list / create / update / delete logic is shared. */
interface Kind<T extends Row> {
  readonly entity: EntityName<T>;
  readonly table: string;
  /** The audit log's entity_type. */
  readonly name: string;
  /** Lists are ordered by this column (then id), ascending. */
  readonly sortBy: keyof T & string;
  readonly search: ReadonlyArray<keyof T & string>;
  readonly create: z.ZodType<Record<string, unknown>>;
  readonly update: z.ZodType<Record<string, unknown>>;
  /** Unique columns (the property name) and the CONFLICT message when taken. */
  readonly unique: Readonly<Record<string, string>>;
  /** Turns validated input into entity data (ids into references). */
  readonly toData?: (em: EntityManager, input: Record<string, unknown>) => Promise<Record<string, unknown>>;
  /** Uniqueness scoped to a parent (attribute values per attribute). */
  readonly scope?: (row: T) => Record<string, unknown>;
}

/** Update inputs: absent keys stay as they are. */
const partialOf = <S extends z.ZodRawShape>(shape: S) => z.object(shape).partial();

const serviceShape = { title: text(200), slug, status, isPopular: bool };
const categoryShape = {
  title: text(200), slug, status, isPopular: bool, h1: optionalText(300), introHtml: optionalText(50_000), descriptionHtml: optionalText(100_000),
  seoTitle: optionalText(300), seoDescription: optionalText(1000), seoKeywords: optionalText(1000),
};
const attributeShape = {
  code: z.string().trim().regex(/^[a-z][a-z0-9_]{0,59}$/, 'lowercase letters, digits and _, e.g. hair_colour'),
  name: text(200), isFilterable: bool, isPublic: bool, dataType: z.enum(['enum', 'text', 'number']).nullish().transform((v) => v ?? undefined), status,
};
const attributeValueShape = { value: text(200), sortOrder: z.number().int().min(0).max(100_000).nullish().transform((v) => v ?? undefined), status };
const locationShape = {
  title: text(200), slug, county: optionalText(200), country: optionalText(100), timezone: timezone.nullish().transform((v) => v ?? undefined),
  latitude: coordinate(90), longitude: coordinate(180), status, isPopular: bool,
};
const callRateShape = {
  locationId: z.uuid().nullish(),
  currency: z.string().trim().regex(/^[A-Z]{3}$/, 'an ISO 4217 code, e.g. GBP').nullish().transform((v) => v ?? undefined),
  durationMinutes: z.number().int().min(15).max(24 * 60),
  price: money,
  status,
};

async function callRateData(em: EntityManager, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { locationId, ...rest } = input;
  if (locationId === undefined) return rest;
  if (locationId === null) return { ...rest, location: null };
  const location = await em.findOne(Location, { id: locationId as string });
  if (!location) throw invalidInput('locationId', `no location ${String(locationId)}`);
  return { ...rest, location };
}

const SERVICES: Kind<Service> = {
  entity: Service, table: 'services', name: 'service', sortBy: 'title', search: ['title', 'slug'],
  create: z.object(serviceShape), update: partialOf(serviceShape), unique: { slug: 'Another service already has this slug.' },
};
const CATEGORIES: Kind<Category> = {
  entity: Category, table: 'categories', name: 'category', sortBy: 'title', search: ['title', 'slug'],
  create: z.object(categoryShape), update: partialOf(categoryShape), unique: { slug: 'Another category already has this slug.' },
};
const ATTRIBUTES: Kind<Attribute> = {
  entity: Attribute, table: 'attributes', name: 'attribute', sortBy: 'name', search: ['code', 'name'],
  create: z.object(attributeShape), update: partialOf(attributeShape), unique: { code: 'Another attribute already has this code.' },
};
const ATTRIBUTE_VALUES: Kind<AttributeValue> = {
  entity: AttributeValue, table: 'attribute_values', name: 'attribute_value', sortBy: 'value', search: ['value'],
  create: z.object(attributeValueShape), update: partialOf(attributeValueShape), unique: { value: 'The attribute already has this value.' },
  scope: (row) => ({ attribute: row.attribute.id }),
};
const LOCATIONS: Kind<Location> = {
  entity: Location, table: 'locations', name: 'location', sortBy: 'title', search: ['title', 'slug', 'county'],
  create: z.object(locationShape), update: partialOf(locationShape), unique: { slug: 'Another location already has this slug.' },
};
const CALL_RATES: Kind<CallRate> = {
  entity: CallRate, table: 'call_rates', name: 'call_rate', sortBy: 'durationMinutes', search: [],
  create: z.object(callRateShape), update: partialOf(callRateShape), unique: {}, toData: callRateData,
};

const defined = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));

// Keyset cursors over (sort key, id): opaque to clients, like connection.ts's.
type SortValue = string | number;
const encode = (key: SortValue, id: string) => Buffer.from(JSON.stringify([key, id])).toString('base64url');
function decode(cursor: string): [SortValue, string] {
  try {
    const [key, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if ((typeof key === 'string' || typeof key === 'number') && typeof id === 'string') return [key, id];
  } catch {
    // fall through to the error below
  }
  throw badCursor();
}

interface ListArgs {
  first?: number | null;
  after?: string | null;
  search?: string | null;
}

async function list<T extends Row>(ctx: ResolverContext, kind: Kind<T>, args: ListArgs, filters: Record<string, unknown>) {
  requirePermission(ctx.viewer, READ);
  const size = pageSize(args.first);
  const conditions: Record<string, unknown>[] = [defined(filters)];
  if (args.search?.trim() && kind.search.length) {
    const like = likePattern(args.search);
    conditions.push({ $or: kind.search.map((field) => ({ [field]: { $ilike: like } })) });
  }
  if (args.after) {
    const [key, id] = decode(args.after);
    conditions.push({ $or: [{ [kind.sortBy]: { $gt: key } }, { [kind.sortBy]: key, id: { $gt: id } }] });
  }
  const rows = await ctx.em.find(kind.entity, { $and: conditions } as FilterQuery<T>, {
    orderBy: { [kind.sortBy]: 'asc', id: 'asc' } as never, limit: size + 1,
  });
  const page = rows.slice(0, size);
  const cursorOf = (row: T) => encode((row as Record<string, unknown>)[kind.sortBy] as SortValue, row.id);
  return {
    edges: page.map((node) => ({ cursor: cursorOf(node), node })),
    pageInfo: { hasNextPage: rows.length > size, endCursor: page.length ? cursorOf(page[page.length - 1] as T) : null },
  };
}

async function rowOrFail<T extends Row>(em: EntityManager, kind: Kind<T>, id: string): Promise<T> {
  const row = isUuid(id) ? await em.findOne(kind.entity, { id } as FilterQuery<T>) : null;
  if (!row) throw notFound(kind.name, id);
  return row;
}

async function assertUnique<T extends Row>(em: EntityManager, kind: Kind<T>, data: Record<string, unknown>, scope: Record<string, unknown>, exceptId?: string) {
  for (const [field, message] of Object.entries(kind.unique)) {
    if (data[field] === undefined) continue;
    const taken = await em.count(kind.entity, { ...scope, [field]: data[field], id: { $ne: exceptId ?? null } } as FilterQuery<T>);
    if (taken) throw conflict(message, field);
  }
}

async function create<T extends Row>(ctx: ResolverContext, kind: Kind<T>, rawInput: unknown, parent: Record<string, unknown> = {}): Promise<T> {
  const viewer = requirePermission(ctx.viewer, WRITE);
  const input = defined(parseInput(kind.create, rawInput));
  const id = await ctx.em.fork().transactional((em) => uniquely(async () => {
    const data = { ...(kind.toData ? await kind.toData(em, input) : input), ...parent };
    await assertUnique(em, kind, data, parent);
    const row = em.create(kind.entity, data as never) as T;
    await em.flush();
    await recordAudit(em, { viewer, client: ctx.client, action: 'CREATE', entityType: kind.name, entityId: row.id, after: row });
    return row.id;
  }, kind.unique));
  return ctx.em.fork().findOneOrFail(kind.entity, { id } as FilterQuery<T>);
}

async function update<T extends Row>(ctx: ResolverContext, kind: Kind<T>, id: string, rawInput: unknown): Promise<T> {
  const viewer = requirePermission(ctx.viewer, WRITE);
  const input = defined(parseInput(kind.update, rawInput));
  await ctx.em.fork().transactional((em) => uniquely(async () => {
    const row = await rowOrFail(em, kind, id);
    const before = snapshot(row);
    const data = defined(kind.toData ? await kind.toData(em, input) : input);
    await assertUnique(em, kind, data, kind.scope?.(row) ?? {}, row.id);
    em.assign(row, data as never);
    await em.flush();
    await recordAudit(em, { viewer, client: ctx.client, action: 'UPDATE', entityType: kind.name, entityId: row.id, before, after: row });
  }, kind.unique));
  return ctx.em.fork().findOneOrFail(kind.entity, { id } as FilterQuery<T>);
}

/** Every foreign key into the table, so a table added later is counted without changing this. */
async function referrers(em: EntityManager, table: string, id: string): Promise<string[]> {
  const keys = await em.getConnection().execute<Array<{ tbl: string; col: string }>>(`
    SELECT c.conrelid::regclass::text AS tbl, a.attname AS col
      FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
     WHERE c.contype = 'f' AND c.confrelid = ?::regclass`, [table], 'all', em.getTransactionContext());
  const found: string[] = [];
  for (const { tbl, col } of keys) {
    const [row] = await em.getConnection().execute<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM ${tbl} WHERE "${col.replace(/"/g, '')}" = ?`, [id], 'all', em.getTransactionContext());
    if (row?.n) found.push(`${row.n} in ${tbl.replace(/"/g, '')}`);
  }
  return found;
}

async function remove<T extends Row>(ctx: ResolverContext, kind: Kind<T>, id: string): Promise<string> {
  const viewer = requirePermission(ctx.viewer, WRITE);
  await ctx.em.fork().transactional(async (em) => {
    const row = await rowOrFail(em, kind, id);
    // Locked first: nothing can start referring to it between the count and the delete.
    await em.getConnection().execute(`SELECT 1 FROM ${kind.table} WHERE id = ? FOR UPDATE`, [row.id], 'all', em.getTransactionContext());
    const used = await referrers(em, kind.table, row.id);
    if (used.length) throw conflict(`This ${kind.name.replace('_', ' ')} is in use (${used.join(', ')}): archive it instead (status: archived).`, 'id');
    const before = snapshot(row);
    em.remove(row);
    await em.flush();
    await recordAudit(em, { viewer, client: ctx.client, action: 'DELETE', entityType: kind.name, entityId: id, before });
  });
  return id;
}

export const directoryResolvers: Resolvers = {
  Query: {
    services: (_, args, ctx) => list(ctx, SERVICES, args, { status: args.status ?? undefined, isPopular: args.popular ?? undefined }),
    categories: (_, args, ctx) => list(ctx, CATEGORIES, args, { status: args.status ?? undefined, isPopular: args.popular ?? undefined }),
    attributes: (_, args, ctx) => list(ctx, ATTRIBUTES, args, { status: args.status ?? undefined, isFilterable: args.filterable ?? undefined }),
    locations: (_, args, ctx) => list(ctx, LOCATIONS, args, { status: args.status ?? undefined, isPopular: args.popular ?? undefined }),
    callRates: (_, args, ctx) => {
      if (args.locationId && !isUuid(args.locationId)) throw invalidInput('locationId', 'must be an id');
      return list(ctx, CALL_RATES, args, { status: args.status ?? undefined, location: args.locationId ?? undefined });
    },
  },
  Mutation: {
    createService: (_, args, ctx) => create(ctx, SERVICES, args.input),
    updateService: (_, args, ctx) => update(ctx, SERVICES, args.id, args.input),
    deleteService: (_, args, ctx) => remove(ctx, SERVICES, args.id),
    createCategory: (_, args, ctx) => create(ctx, CATEGORIES, args.input),
    updateCategory: (_, args, ctx) => update(ctx, CATEGORIES, args.id, args.input),
    deleteCategory: (_, args, ctx) => remove(ctx, CATEGORIES, args.id),
    createAttribute: (_, args, ctx) => create(ctx, ATTRIBUTES, args.input),
    updateAttribute: (_, args, ctx) => update(ctx, ATTRIBUTES, args.id, args.input),
    deleteAttribute: (_, args, ctx) => remove(ctx, ATTRIBUTES, args.id),
    async createAttributeValue(_, args, ctx) {
      requirePermission(ctx.viewer, WRITE);
      const attribute = isUuid(args.attributeId) ? await ctx.em.findOne(Attribute, { id: args.attributeId }) : null;
      if (!attribute) throw notFound('attribute', args.attributeId);
      return create(ctx, ATTRIBUTE_VALUES, args.input, { attribute: attribute.id });
    },
    updateAttributeValue: (_, args, ctx) => update(ctx, ATTRIBUTE_VALUES, args.id, args.input),
    deleteAttributeValue: (_, args, ctx) => remove(ctx, ATTRIBUTE_VALUES, args.id),
    createLocation: (_, args, ctx) => create(ctx, LOCATIONS, args.input),
    updateLocation: (_, args, ctx) => update(ctx, LOCATIONS, args.id, args.input),
    deleteLocation: (_, args, ctx) => remove(ctx, LOCATIONS, args.id),
    createCallRate: (_, args, ctx) => create(ctx, CALL_RATES, args.input),
    updateCallRate: (_, args, ctx) => update(ctx, CALL_RATES, args.id, args.input),
    deleteCallRate: (_, args, ctx) => remove(ctx, CALL_RATES, args.id),
  },
  Service: {
    status: (row) => (row.status === 'archived' ? 'archived' : 'active'),
    isPopular: (row) => row.isPopular ?? false,
  },
  Category: {
    status: (row) => (row.status === 'archived' ? 'archived' : 'active'),
    isPopular: (row) => row.isPopular ?? false,
  },
  Attribute: {
    status: (row) => (row.status === 'archived' ? 'archived' : 'active'),
    isFilterable: (row) => row.isFilterable ?? true,
    isPublic: (row) => row.isPublic ?? true,
    dataType: (row) => (row.dataType === 'text' ? 'text' : row.dataType === 'number' ? 'number' : 'enum'),
    values: (row, _, ctx) => ctx.em.find(AttributeValue, { attribute: row.id }, { orderBy: { sortOrder: 'asc', value: 'asc' } }),
  },
  AttributeValue: {
    attributeId: (row) => row.attribute.id,
    sortOrder: (row) => row.sortOrder ?? 0,
    status: (row) => (row.status === 'archived' ? 'archived' : 'active'),
  },
  Location: {
    status: (row) => (row.status === 'archived' ? 'archived' : 'active'),
    isPopular: (row) => row.isPopular ?? false,
    latitude: (row) => (row.latitude == null ? null : Number(row.latitude)),
    longitude: (row) => (row.longitude == null ? null : Number(row.longitude)),
  },
  CallRate: {
    status: (row) => (row.status === 'archived' ? 'archived' : 'active'),
    location: (row, _, ctx) => (row.location ? ctx.em.findOne(Location, { id: row.location.id }) : null),
  },
};
