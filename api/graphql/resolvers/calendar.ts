/**
 * Calendar integration (issue 14 item 4): the feed's state and its token (rotate / revoke), and
 * calendar imports (read here; the commands are services/calendar-feeds.ts and
 * services/calendar-imports.ts).
 */
import { z } from 'zod';
import { CalendarImport } from '../../../db/entities/index.ts';
import { hasPermission } from '../../../domain/access.ts';
import { IMPORT_BUSY_STATUSES, redactedUrl } from '../../../domain/calendar.ts';
import { CALENDAR_FEED_PATH } from '../../../services/calendar-feeds.ts';
import { requirePermission } from '../../auth/authorize.ts';
import { pageOf } from '../connection.ts';
import type { Resolvers } from '../generated/types.ts';
import { callerOf, servicesOf } from '../services.ts';
import { parseInput } from '../validation.ts';
import { invalidInput, isUuid } from './operations-support.ts';

const addImportInput = z.object({
  modelId: z.uuid(),
  name: z.string().trim().min(1).max(200),
  url: z.string().trim().min(1).max(2000),
  busyAs: z.enum(IMPORT_BUSY_STATUSES).optional().nullable().transform((v) => v ?? undefined),
});

const uuidArg = (field: string, value: string): string => {
  if (!isUuid(value)) throw invalidInput(field, 'must be an id');
  return value;
};

export const calendarResolvers: Resolvers = {
  Query: {
    async calendarFeed(_, args, ctx) {
      const viewer = requirePermission(ctx, 'availability.read');
      return servicesOf(ctx).calendarFeeds.feedOf(callerOf(ctx, viewer), args.modelId);
    },
    async calendarImports(_, args, ctx) {
      requirePermission(ctx, 'availability.read');
      return pageOf(ctx.em, CalendarImport, args, (where) => {
        if (args.modelId) where({ model: uuidArg('modelId', args.modelId) });
      }, { refresh: true });
    },
  },
  Mutation: {
    async rotateCalendarFeed(_, args, ctx) {
      const viewer = requirePermission(ctx, 'availability.write');
      const { feed, token } = await servicesOf(ctx).calendarFeeds.rotate(callerOf(ctx, viewer), args.modelId);
      // The URL as this request reached the API (behind a proxy: as trust proxy reports it).
      const origin = ctx.req ? `${ctx.req.protocol}://${ctx.req.get('host') ?? 'localhost'}` : '';
      return { feed, url: `${origin}${CALENDAR_FEED_PATH}/${token}.ics` };
    },
    async revokeCalendarFeed(_, args, ctx) {
      const viewer = requirePermission(ctx, 'availability.write');
      return servicesOf(ctx).calendarFeeds.revoke(callerOf(ctx, viewer), args.modelId);
    },
    async addCalendarImport(_, args, ctx) {
      const viewer = requirePermission(ctx, 'availability.write');
      return servicesOf(ctx).calendarImports.add(callerOf(ctx, viewer), parseInput(addImportInput, args.input));
    },
    async removeCalendarImport(_, args, ctx) {
      const viewer = requirePermission(ctx, 'availability.write');
      return servicesOf(ctx).calendarImports.remove(callerOf(ctx, viewer), args.id);
    },
    async runCalendarImport(_, args, ctx) {
      const viewer = requirePermission(ctx, 'availability.write');
      return servicesOf(ctx).calendarImports.runNow(callerOf(ctx, viewer), args.id);
    },
  },
  CalendarImport: {
    modelId: (row) => row.model.id,
    url: (row, _, ctx) => (ctx.viewer && hasPermission(ctx.viewer, 'availability.write') ? row.url : redactedUrl(row.url)),
    busyAs: (row) => row.busyAs as (typeof IMPORT_BUSY_STATUSES)[number],
    status: (row) => row.status as 'active' | 'disabled',
    lastStatus: (row) => row.lastStatus as 'never' | 'ok' | 'failed',
  },
  AvailabilitySlot: {
    calendarImportId: (row) => row.calendarImportId ?? null,
  },
};
