/**
 * Brings a database to the current schema and, when it is empty, seeds reference and demo
 * data. Run by the launcher on every start and by `npm run migrate` (docker-compose's
 * one-shot `migrate` service). Idempotent: a second run changes nothing.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Role } from './entities/index.ts';
import { migrate } from './orm.ts';
import { seedDemoCatalogue, seedDemoUsers, type DemoCredential } from './seed/demo-data.ts';
import { seedAccessControl, seedAutomationRules, seedSlaPolicies } from './seed/reference-data.ts';

export interface SetupResult {
  readonly migrationsApplied: string[];
  readonly seeded: boolean;
  /** Demo users' passwords (development only; stored in the data folder, never in the database). */
  readonly credentials: DemoCredential[];
}

export function credentialsFile(dataDir: string): string {
  return path.join(dataDir, 'demo-credentials.json');
}

export async function setupDatabase(orm: MikroORM, options: { seedDemoData: boolean; dataDir: string }): Promise<SetupResult> {
  const migrationsApplied = await migrate(orm);
  const em = orm.em.fork();
  const empty = (await em.count(Role, {})) === 0;
  let credentials: DemoCredential[] = [];
  if (empty) {
    await em.transactional(async (tx) => {
      const roles = await seedAccessControl(tx);
      seedSlaPolicies(tx);
      seedAutomationRules(tx);
      if (options.seedDemoData) {
        seedDemoCatalogue(tx);
        credentials = await seedDemoUsers(tx, roles);
      }
    });
    if (credentials.length > 0) {
      await mkdir(options.dataDir, { recursive: true });
      await writeFile(credentialsFile(options.dataDir), JSON.stringify(credentials, null, 2));
      await chmod(credentialsFile(options.dataDir), 0o600);
    }
  } else {
    credentials = await readFile(credentialsFile(options.dataDir), 'utf8')
      .then((text) => JSON.parse(text) as DemoCredential[])
      .catch(() => []);
  }
  return { migrationsApplied, seeded: empty, credentials };
}
