/** What every resolver receives: its own EntityManager fork, the Temporal client, a logger. */
import type { Client } from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Request } from 'express';
import type { OutboundPolicy } from '../../platform/guarded-fetch.ts';
import type { Logger } from '../../platform/logger.ts';
import type { MediaLinks } from '../../services/media.ts';
import type { AuthRefusal } from '../auth/authorize.ts';
import type { ClientInfo, Sessions, Viewer } from '../auth/sessions.ts';

/** What the HTTP server hands Yoga (absent for WebSocket operations). */
export interface ServerContext {
  readonly req?: Request;
}

export interface ApiContext {
  readonly em: EntityManager;
  /** The signed-in user, if the request carried a valid access token of an open session. */
  readonly viewer: Viewer | undefined;
  /** Why `viewer` is absent (no token, expired, invalid, session ended): UNAUTHENTICATED's reason. */
  readonly authRefusal: AuthRefusal | undefined;
  readonly sessions: Sessions;
  readonly client: ClientInfo;
  /** The request's Idempotency-Key header, if any. */
  readonly idempotencyKey: string | undefined;
  readonly temporal: Client;
  /** Which non-public hosts operator-supplied URLs may reach (calendar imports). */
  readonly outbound: OutboundPolicy;
  /** Signs the links to public media files (ModelMedia.url). */
  readonly mediaLinks: MediaLinks;
  readonly log: Logger;
  readonly requestId: string;
}

/** What resolvers see: the generated resolver types (api/graphql/generated) are bound to it. */
export type ResolverContext = ServerContext & ApiContext;
