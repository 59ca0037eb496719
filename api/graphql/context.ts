/** What every resolver receives: its own EntityManager fork, the Temporal client, a logger. */
import type { Client } from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Request } from 'express';
import type { Logger } from '../../platform/logger.ts';

/** What the HTTP server hands Yoga (absent for WebSocket operations). */
export interface ServerContext {
  readonly req?: Request;
}

export interface ApiContext {
  readonly em: EntityManager;
  readonly temporal: Client;
  readonly log: Logger;
  readonly requestId: string;
}
