/**
 * What an SLA countdown shows at an instant: the time left ("15m left", "1h 05m left") or
 * overdue ("breached 3m ago"), and its tone: ok, warning (from the SLA's warning time, amber) or
 * breached (red). Re-evaluated every second by the list; pure so it is tested without a clock.
 */

export type SlaTone = 'none' | 'ok' | 'warning' | 'breached';

export interface SlaView {
  readonly tone: SlaTone;
  readonly label: string;
  /** Whole seconds left (negative once overdue); null without an SLA. */
  readonly remainingSeconds: number | null;
}

export interface SlaFacts {
  readonly slaDeadlineAt: string | null;
  readonly slaWarningAt?: string | null;
  readonly slaBreached: boolean;
}

/** "45s", "15m", "1h 05m", "2d 3h": compact, to the most useful unit. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s < 60) return `${s}s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export function slaView(facts: SlaFacts, now: number): SlaView {
  if (!facts.slaDeadlineAt) {
    return facts.slaBreached ? { tone: 'breached', label: 'SLA breached', remainingSeconds: null } : { tone: 'none', label: '', remainingSeconds: null };
  }
  const remainingSeconds = Math.floor((Date.parse(facts.slaDeadlineAt) - now) / 1000);
  if (facts.slaBreached || remainingSeconds <= 0) {
    return { tone: 'breached', label: `SLA breached ${formatDuration(-remainingSeconds)} ago`, remainingSeconds };
  }
  const warning = facts.slaWarningAt ? Date.parse(facts.slaWarningAt) <= now : false;
  return { tone: warning ? 'warning' : 'ok', label: `SLA: ${formatDuration(remainingSeconds)} left`, remainingSeconds };
}

/** "just now", "2m ago", "3h ago", "2d ago". */
export function formatAge(createdAt: string, now: number): string {
  const seconds = Math.floor((now - Date.parse(createdAt)) / 1000);
  if (seconds < 45) return 'just now';
  return `${formatDuration(seconds).split(' ')[0]} ago`;
}
