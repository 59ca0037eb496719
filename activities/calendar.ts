/**
 * Calendar imports (ops queue: syncs, seed §9). Each run is services/calendar-imports.ts
 * runImport; a refusal that retrying cannot fix (the URL answers 404, the text is not a
 * calendar) fails at once, anything else (5xx, network, timeout) is retried with the ops policy.
 * Every attempt's failure is recorded on the import (last status and error) before it is thrown.
 */
import { Context } from '@temporalio/activity';
import { DomainError } from '../domain/errors.ts';
import { createCalendarImportService } from '../services/calendar-imports.ts';
import { toFailure } from '../workflows/failures.ts';
import type { CalendarImportInput, CalendarImportRun } from '../workflows/calendar/messages.ts';
import type { ActivityDeps } from './deps.ts';

const noSessions = { revokeUser: () => Promise.reject(new Error('the worker does not manage sessions')) };

export function createCalendarActivities({ orm, temporal, logger, outbound }: ActivityDeps) {
  const service = () => {
    if (!temporal) throw new Error('calendar imports need a Temporal client (worker/run.ts gives one)');
    return createCalendarImportService({ em: orm.em.fork(), temporal, sessions: noSessions, outbound });
  };
  return {
    async importCalendar(input: CalendarImportInput): Promise<CalendarImportRun> {
      try {
        const run = await service().runImport(input.importId);
        if (run.inserted || run.updated || run.removed) logger.info({ ...run }, 'calendar imported');
        return run;
      } catch (error) {
        // The reason as the import records it, e.g. "the calendar URL was refused: … resolves to 10.0.0.5, a private address".
        const reason = error instanceof DomainError ? ((error.details.issues as Array<{ message: string }> | undefined)?.[0]?.message ?? error.message) : (error as Error).message;
        logger.warn({ err: error, importId: input.importId, attempt: Context.current().info.attempt, reason }, `calendar import failed: ${reason}`);
        throw error instanceof DomainError ? toFailure(error) : error;
      }
    },
    async dueCalendarImports(input: { limit: number }): Promise<string[]> {
      return service().dueImports(input.limit);
    },
  };
}
