/**
 * The MikroORM configuration shared by every process. Each process opens one ORM and forks
 * an EntityManager per request / activity run; there is no global ORM instance.
 */
import path from 'node:path';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options } from '@mikro-orm/postgresql';
import { entities } from './entities/index.ts';

export const MIGRATIONS_DIR = path.join(import.meta.dirname, 'migrations');

export function ormOptions(clientUrl: string, overrides: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl,
    entities: [...entities],
    extensions: [Migrator],
    migrations: {
      path: MIGRATIONS_DIR,
      pathTs: MIGRATIONS_DIR,
      glob: '!(*.d).ts',
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    pool: { min: 0, max: 20 },
    // A fork per unit of work is mandatory: using the global EntityManager is a bug.
    allowGlobalContext: false,
    ...overrides,
  });
}

export type Orm = MikroORM;

export function openOrm(clientUrl: string, overrides: Partial<Options> = {}): Promise<MikroORM> {
  return MikroORM.init(ormOptions(clientUrl, overrides));
}

/** Applies committed migrations; returns the names of those that ran. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}
