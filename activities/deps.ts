/** What activities are given by the worker's composition root: nothing global. */
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../platform/logger.ts';

export interface ActivityDeps {
  readonly orm: MikroORM;
  readonly logger: Logger;
}
