/**
 * Database commands:
 *   node db/cli.ts migrate          apply committed migrations, seed an empty database
 *   node db/cli.ts create [name]    write a new migration from the entity/schema diff
 * Uses DATABASE_URL.
 */
import { loadConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { openOrm, MIGRATIONS_DIR } from './orm.ts';
import { setupDatabase } from './setup.ts';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, service: 'db' });
const [command, name] = process.argv.slice(2);
if (!config.database.url) {
  logger.fatal('DATABASE_URL is required (e.g. postgres://virel:virel@127.0.0.1:54329/virel)');
  process.exit(2);
}
const orm = await openOrm(config.database.url);
try {
  switch (command) {
    case 'migrate': {
      const result = await setupDatabase(orm, { seedDemoData: config.seedDemoData, dataDir: config.dataDir });
      logger.info({ migrationsApplied: result.migrationsApplied, seeded: result.seeded }, 'database ready');
      break;
    }
    case 'create': {
      const result = await orm.migrator.create(MIGRATIONS_DIR, false, false, name);
      logger.info({ file: result.fileName, statements: result.diff.up.length }, result.fileName ? 'migration written' : 'no schema changes');
      break;
    }
    default:
      logger.fatal(`unknown command ${command ?? '(none)'}: use migrate or create`);
      process.exitCode = 2;
  }
} finally {
  await orm.close();
}
