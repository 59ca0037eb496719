/**
 * Directories (seed §6.3): services, categories, attributes and their values, locations and call
 * rates. One table-driven implementation: each kind declares its validation, its sort key, its
 * search columns and its unique columns. Lists page by (sort key, id) because several of these
 * tables have no created_at. A row still referred to (by a model, a booking, a rate …) cannot be
 * deleted: CONFLICT names the referrers, and archiving (status: archived) is the way out.
 */
import type { EntityName, FilterQuery } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { AttributeValue, Location, type Attribute, type CallRate, type Category, type Service } from '../../../db/entities/index.ts';
import type { PermissionCode } from '../../../domain/access.ts';
import type { Caller, Services } from '../../../services/index.ts';
import { DIRECTORIES, type Directory } from '../../../services/directories.ts';
import { requirePermission } from '../../auth/authorize.ts';
import type { ResolverContext } from '../context.ts';
import { badCursor, pageInfoOf, pageSize } from '../connection.ts';
import type { Resolvers } from '../generated/types.ts';
import { callerOf, servicesOf } from '../services.ts';
import { invalidInput, isUuid, likePattern, money, optionalText, parseInput, slug, text } from '../validation.ts';

const READ: PermissionCode = 'directories.read';
const WRITE: PermissionCode = 'directories.write';

const status = z.enum(['active', 'archived']).nullish().transform((v) => v ?? undefined);
const bool = z.boolean().nullish().transform((v) => v ?? undefined);
const timezone = z.string().trim().refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', 'an IANA time zone, e.g. Europe/London');
const coordinate = (max: number) => z.number().min(-max).max(max).nullish().transform((v) => (v === undefined ? undefined : v === null ? null : v.toFixed(6)));

type Row = { id: string };

/**
 * What differs between directory kinds for the API: the entity listed, its input validation, its
 * sort key and search columns. Writes are services/directories.ts.
 */
interface Kind<T extends Row> {
  readonly directory: Directory;
  readonly entity: EntityName<T>;
  /** Lists are ordered by this column (then id), ascending. */
  readonly sortBy: keyof T & string;
  readonly search: ReadonlyArray<keyof T & string>;
  readonly create: z.ZodType<Record<string, unknown>>;
  readonly update: z.ZodType<Record<string, unknown>>;
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

const SERVICES: Kind<Service> = {
  directory: 'service', entity: DIRECTORIES.service.entity, sortBy: 'title', search: ['title', 'slug'],
  create: z.object(serviceShape), update: partialOf(serviceShape),
};
const CATEGORIES: Kind<Category> = {
  directory: 'category', entity: DIRECTORIES.category.entity, sortBy: 'title', search: ['title', 'slug'],
  create: z.object(categoryShape), update: partialOf(categoryShape),
};
const ATTRIBUTES: Kind<Attribute> = {
  directory: 'attribute', entity: DIRECTORIES.attribute.entity, sortBy: 'name', search: ['code', 'name'],
  create: z.object(attributeShape), update: partialOf(attributeShape),
};
const ATTRIBUTE_VALUES: Kind<AttributeValue> = {
  directory: 'attributeValue', entity: DIRECTORIES.attributeValue.entity, sortBy: 'value', search: ['value'],
  create: z.object(attributeValueShape), update: partialOf(attributeValueShape),
};
const LOCATIONS: Kind<Location> = {
  directory: 'location', entity: DIRECTORIES.location.entity, sortBy: 'title', search: ['title', 'slug', 'county'],
  create: z.object(locationShape), update: partialOf(locationShape),
};
const CALL_RATES: Kind<CallRate> = {
  directory: 'callRate', entity: DIRECTORIES.callRate.entity, sortBy: 'durationMinutes', search: [],
  create: z.object(callRateShape), update: partialOf(callRateShape),
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
  requirePermission(ctx, READ);
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
  const cursorOf = (row: T) => encode((row as Record<string, unknown>)[kind.sortBy] as SortValue, row.id);
  const edges = rows.slice(0, size).map((node) => ({ cursor: cursorOf(node), node }));
  return { edges, pageInfo: pageInfoOf(edges.map((e) => e.cursor), rows.length > size, args.after) };
}

/** Validated input for a new row, or for the changes to one. */
const createInput = (kind: Pick<Kind<Row>, 'create'>, input: unknown) => defined(parseInput(kind.create, input));
const updateInput = (kind: Pick<Kind<Row>, 'update'>, input: unknown) => defined(parseInput(kind.update, input));

/** A directories.write command: the permission is checked before the input is read. */
function write<T>(ctx: ResolverContext, command: (directories: Services['directories'], caller: Caller) => Promise<T>): Promise<T> {
  const caller = callerOf(ctx, requirePermission(ctx, WRITE));
  return command(servicesOf(ctx).directories, caller);
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
    createService: (_, args, ctx) => write(ctx, (directories, caller) => directories.create(caller, 'service', createInput(SERVICES, args.input))),
    updateService: (_, args, ctx) => write(ctx, (directories, caller) => directories.update(caller, 'service', args.id, updateInput(SERVICES, args.input))),
    deleteService: (_, args, ctx) => write(ctx, (directories, caller) => directories.remove(caller, 'service', args.id)),
    createCategory: (_, args, ctx) => write(ctx, (directories, caller) => directories.create(caller, 'category', createInput(CATEGORIES, args.input))),
    updateCategory: (_, args, ctx) => write(ctx, (directories, caller) => directories.update(caller, 'category', args.id, updateInput(CATEGORIES, args.input))),
    deleteCategory: (_, args, ctx) => write(ctx, (directories, caller) => directories.remove(caller, 'category', args.id)),
    createAttribute: (_, args, ctx) => write(ctx, (directories, caller) => directories.create(caller, 'attribute', createInput(ATTRIBUTES, args.input))),
    updateAttribute: (_, args, ctx) => write(ctx, (directories, caller) => directories.update(caller, 'attribute', args.id, updateInput(ATTRIBUTES, args.input))),
    deleteAttribute: (_, args, ctx) => write(ctx, (directories, caller) => directories.remove(caller, 'attribute', args.id)),
    createAttributeValue: (_, args, ctx) => write(ctx, (directories, caller) => directories.createAttributeValue(caller, args.attributeId, createInput(ATTRIBUTE_VALUES, args.input))),
    updateAttributeValue: (_, args, ctx) => write(ctx, (directories, caller) => directories.update(caller, 'attributeValue', args.id, updateInput(ATTRIBUTE_VALUES, args.input))),
    deleteAttributeValue: (_, args, ctx) => write(ctx, (directories, caller) => directories.remove(caller, 'attributeValue', args.id)),
    createLocation: (_, args, ctx) => write(ctx, (directories, caller) => directories.create(caller, 'location', createInput(LOCATIONS, args.input))),
    updateLocation: (_, args, ctx) => write(ctx, (directories, caller) => directories.update(caller, 'location', args.id, updateInput(LOCATIONS, args.input))),
    deleteLocation: (_, args, ctx) => write(ctx, (directories, caller) => directories.remove(caller, 'location', args.id)),
    createCallRate: (_, args, ctx) => write(ctx, (directories, caller) => directories.create(caller, 'callRate', createInput(CALL_RATES, args.input))),
    updateCallRate: (_, args, ctx) => write(ctx, (directories, caller) => directories.update(caller, 'callRate', args.id, updateInput(CALL_RATES, args.input))),
    deleteCallRate: (_, args, ctx) => write(ctx, (directories, caller) => directories.remove(caller, 'callRate', args.id)),
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
