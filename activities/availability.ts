/**
 * The availability mismatch sweep (ops queue): re-checks bookings whose hold changed outside
 * services/ (services/availability-mismatches.ts sweep). Run by a Temporal Schedule.
 */
import { createMismatchService } from '../services/availability-mismatches.ts';
import type { ActivityDeps } from './deps.ts';

/** The worker never ends sessions: a revoker that refuses, so a wrong use is loud. */
const noSessions = { revokeUser: () => Promise.reject(new Error('the worker does not manage sessions')) };

export function createAvailabilityActivities({ orm, temporal, logger }: ActivityDeps) {
  return {
    async sweepAvailabilityMismatches(input: { lookbackMinutes: number }): Promise<{ checked: number; opened: number; resolved: number }> {
      if (!temporal) throw new Error('the mismatch sweep needs a Temporal client (worker/run.ts gives one)');
      const result = await createMismatchService({ em: orm.em.fork(), temporal, sessions: noSessions }).sweep(input.lookbackMinutes);
      if (result.resolved.length || result.opened.length) logger.info({ checked: result.checked, opened: result.opened.length, resolved: result.resolved.length }, 'availability mismatch sweep');
      return { checked: result.checked, opened: result.opened.length, resolved: result.resolved.length };
    },
  };
}
