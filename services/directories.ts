/**
 * Directories (seed §6.3): services, categories, attributes and their values, locations and call
 * rates. One table-driven implementation of create / update / delete: each kind declares its
 * entity, its table, its unique columns and how input becomes entity data. A row still referred
 * to (by a model, a booking, a rate …) cannot be deleted: CONFLICT names the referrers, and
 * archiving (status: archived) is the way out.
 */
import type { EntityManager, EntityName, FilterQuery } from '@mikro-orm/postgresql';
import { Attribute, AttributeValue, CallRate, Category, Location, Service } from '../db/entities/index.ts';
import { assertPermission, type PermissionCode } from '../domain/access.ts';
import { conflict, invalidInput, notFound } from '../domain/errors.ts';
import { snapshot } from './audit-records.ts';
import { recordEdit } from './change-records.ts';
import type { Caller, ServiceDeps } from './context.ts';
import { idOf, isUuid } from './rows.ts';
import { uniquely } from './unique-writes.ts';

const WRITE: PermissionCode = 'directories.write';

type Row = { id: string };

/** What differs between directory kinds for writes; the create / update / delete logic is shared. */
export interface DirectoryKind<T extends Row> {
  readonly entity: EntityName<T>;
  readonly table: string;
  /** The audit log's entity_type and the NOT_FOUND / CONFLICT wording. */
  readonly name: string;
  /** Unique columns (the property name) and the CONFLICT message when taken. */
  readonly unique: Readonly<Record<string, string>>;
  /** Turns validated input into entity data (ids into references). */
  readonly toData?: (em: EntityManager, input: Record<string, unknown>) => Promise<Record<string, unknown>>;
  /** Uniqueness scoped to a parent (attribute values per attribute). */
  readonly scope?: (row: T) => Record<string, unknown>;
}

async function callRateData(em: EntityManager, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { locationId, ...rest } = input;
  if (locationId === undefined) return rest;
  if (locationId === null) return { ...rest, location: null };
  const location = await em.findOne(Location, { id: locationId as string });
  if (!location) throw invalidInput('locationId', `no location ${String(locationId)}`);
  return { ...rest, location };
}

export const DIRECTORIES = {
  service: { entity: Service, table: 'services', name: 'service', unique: { slug: 'Another service already has this slug.' } } satisfies DirectoryKind<Service>,
  category: { entity: Category, table: 'categories', name: 'category', unique: { slug: 'Another category already has this slug.' } } satisfies DirectoryKind<Category>,
  attribute: { entity: Attribute, table: 'attributes', name: 'attribute', unique: { code: 'Another attribute already has this code.' } } satisfies DirectoryKind<Attribute>,
  attributeValue: {
    entity: AttributeValue, table: 'attribute_values', name: 'attribute_value', unique: { value: 'The attribute already has this value.' },
    scope: (row: AttributeValue) => ({ attribute: idOf(row.attribute) }),
  } satisfies DirectoryKind<AttributeValue>,
  location: { entity: Location, table: 'locations', name: 'location', unique: { slug: 'Another location already has this slug.' } } satisfies DirectoryKind<Location>,
  callRate: { entity: CallRate, table: 'call_rates', name: 'call_rate', unique: {}, toData: callRateData } satisfies DirectoryKind<CallRate>,
} as const;

export type Directory = keyof typeof DIRECTORIES;
/** The entity a directory's rows are. */
export type DirectoryRow<D extends Directory> = {
  service: Service; category: Category; attribute: Attribute; attributeValue: AttributeValue; location: Location; callRate: CallRate;
}[D];

const defined = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
const kindOf = (directory: Directory) => DIRECTORIES[directory] as DirectoryKind<Row>;

async function rowOrFail<T extends Row>(em: EntityManager, kind: DirectoryKind<T>, id: string): Promise<T> {
  const row = isUuid(id) ? await em.findOne(kind.entity, { id } as FilterQuery<T>) : null;
  if (!row) throw notFound(kind.name, id);
  return row;
}

async function assertUnique<T extends Row>(em: EntityManager, kind: DirectoryKind<T>, data: Record<string, unknown>, scope: Record<string, unknown>, exceptId?: string) {
  for (const [field, message] of Object.entries(kind.unique)) {
    if (data[field] === undefined) continue;
    const taken = await em.count(kind.entity, { ...scope, [field]: data[field], id: { $ne: exceptId ?? null } } as FilterQuery<T>);
    if (taken) throw conflict(message, field);
  }
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

export function createDirectoryService(deps: ServiceDeps) {
  const fresh = <T extends Row>(kind: DirectoryKind<T>, id: string) => deps.em.fork().findOneOrFail(kind.entity, { id } as FilterQuery<T>);

  async function create(caller: Caller, kind: DirectoryKind<Row>, rawInput: Record<string, unknown>, parent: Record<string, unknown> = {}): Promise<Row> {
    const input = defined(rawInput);
    const id = await deps.em.fork().transactional((em) => uniquely(async () => {
      const data = { ...(kind.toData ? await kind.toData(em, input) : input), ...parent };
      await assertUnique(em, kind, data, parent);
      const row = em.create(kind.entity, data as never) as Row;
      await em.flush();
      await recordEdit(em, caller, { action: 'CREATE', entityType: kind.name, entityId: row.id, after: row });
      return row.id;
    }, kind.unique));
    return fresh(kind, id);
  }

  return {
    /** A new row of the directory from validated input. */
    async create<D extends Exclude<Directory, 'attributeValue'>>(caller: Caller, directory: D, input: Record<string, unknown>): Promise<DirectoryRow<D>> {
      assertPermission(caller.principal, WRITE);
      return (await create(caller, kindOf(directory), input)) as DirectoryRow<D>;
    },

    /** A new value of an existing attribute. */
    async createAttributeValue(caller: Caller, attributeId: string, input: Record<string, unknown>): Promise<AttributeValue> {
      assertPermission(caller.principal, WRITE);
      const attribute = isUuid(attributeId) ? await deps.em.findOne(Attribute, { id: attributeId }) : null;
      if (!attribute) throw notFound('attribute', attributeId);
      return (await create(caller, kindOf('attributeValue'), input, { attribute: attribute.id })) as AttributeValue;
    },

    /** Absent keys stay as they are. */
    async update<D extends Directory>(caller: Caller, directory: D, id: string, rawInput: Record<string, unknown>): Promise<DirectoryRow<D>> {
      assertPermission(caller.principal, WRITE);
      const kind = kindOf(directory);
      const input = defined(rawInput);
      await deps.em.fork().transactional((em) => uniquely(async () => {
        const row = await rowOrFail(em, kind, id);
        const before = snapshot(row);
        const data = defined(kind.toData ? await kind.toData(em, input) : input);
        await assertUnique(em, kind, data, kind.scope?.(row) ?? {}, row.id);
        em.assign(row, data as never);
        await em.flush();
        await recordEdit(em, caller, { action: 'UPDATE', entityType: kind.name, entityId: row.id, before, after: row });
      }, kind.unique));
      return (await fresh(kind, id)) as DirectoryRow<D>;
    },

    /** Deletes a row nothing refers to; CONFLICT naming the referrers otherwise. */
    async remove(caller: Caller, directory: Directory, id: string): Promise<string> {
      assertPermission(caller.principal, WRITE);
      const kind = kindOf(directory);
      await deps.em.fork().transactional(async (em) => {
        const row = await rowOrFail(em, kind, id);
        // Locked first: nothing can start referring to it between the count and the delete.
        await em.getConnection().execute(`SELECT 1 FROM ${kind.table} WHERE id = ? FOR UPDATE`, [row.id], 'all', em.getTransactionContext());
        const used = await referrers(em, kind.table, row.id);
        if (used.length) throw conflict(`This ${kind.name.replace('_', ' ')} is in use (${used.join(', ')}): archive it instead (status: archived).`, 'id');
        const before = snapshot(row);
        em.remove(row);
        await em.flush();
        await recordEdit(em, caller, { action: 'DELETE', entityType: kind.name, entityId: id, before });
      });
      return id;
    },
  };
}

export type DirectoryService = ReturnType<typeof createDirectoryService>;
