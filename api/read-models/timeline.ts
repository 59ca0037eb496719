/**
 * An entity's timeline (entity_timeline), newest first, a page at a time: what the card shows for
 * bookings, inquiries, tasks and exceptions. The parent resolver has already applied the entity's
 * read permission and policy; entries are masked per viewer where they are resolved.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { EntityTimeline } from '../../db/entities/index.ts';
import { pageOf, type PageArgs } from '../graphql/connection.ts';

export function timelinePage(em: EntityManager, entityType: string, entityId: string, args: PageArgs) {
  return pageOf(em, EntityTimeline, args, (where) => where({ entityType, entityId }));
}
