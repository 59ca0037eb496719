/**
 * GET /api/v1/calendar/feeds/<token>.ics: a model's bookings as an iCalendar feed for phone
 * calendars (services/calendar-feeds.ts). Plain HTTP because calendar apps subscribe to a URL and
 * send no credentials: the token in the path is the credential. An unknown, rotated or revoked
 * token is 404, the same answer as a path that never existed.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import express, { type Request, type Response } from 'express';
import { CALENDAR_FEED_PATH, createCalendarFeedService } from '../../services/calendar-feeds.ts';
import type { Logger } from '../../platform/logger.ts';

export function calendarFeedRoute(options: { orm: MikroORM; logger: Logger }) {
  const router = express.Router();
  router.get(`${CALENDAR_FEED_PATH}/:file`, async (req: Request, res: Response) => {
    const file = String(req.params.file ?? '');
    const token = file.endsWith('.ics') ? file.slice(0, -'.ics'.length) : file;
    try {
      const ics = await createCalendarFeedService({ em: options.orm.em.fork() }).icsFor(token);
      // Secret URLs are not for shared caches or referrers.
      res.set({ 'cache-control': 'private, no-cache', 'referrer-policy': 'no-referrer', 'x-robots-tag': 'noindex' });
      if (ics === null) {
        res.status(404).type('text/plain').send('No such calendar feed.');
        return;
      }
      res.status(200).type('text/calendar; charset=utf-8').set('content-disposition', 'inline; filename="bookings.ics"').send(ics);
    } catch (error) {
      options.logger.error({ err: error }, 'calendar feed failed');
      res.status(500).type('text/plain').send('The calendar feed could not be built; try again later.');
    }
  });
  return router;
}
