/**
 * Seed §5's keyboard shortcuts, exactly: `/` search, `g a` / `g b` / `g i` go to the Action
 * Center, Bookings, Inquiries, `e` open the entity sidebar, `a` assign to me, `s` change status,
 * `Esc` close, `↑` / `↓` move, `Enter` open; plus `?` for the help overlay and Ctrl/Cmd-K for
 * the command palette. A matcher turns key presses into commands, with `g` as a prefix that
 * waits for its second key (1.5 s). Pure: the page feeds it keys and the time.
 */

export type ShortcutCommand =
  | 'focus-search' | 'go-action-center' | 'go-bookings' | 'go-inquiries' | 'open-entity'
  | 'assign-to-me' | 'change-status' | 'close' | 'up' | 'down' | 'open-selected' | 'help' | 'palette';

export interface KeyPress {
  readonly key: string;
  readonly ctrlKey?: boolean;
  readonly metaKey?: boolean;
  readonly altKey?: boolean;
  /** The focus is in a text field: only Esc, the palette and navigation keys of lists apply. */
  readonly inTextField?: boolean;
}

/** What the help overlay lists, in the seed's order. */
export const SHORTCUTS: ReadonlyArray<{ keys: string; command: ShortcutCommand; description: string }> = [
  { keys: '/', command: 'focus-search', description: 'Focus search' },
  { keys: 'g a', command: 'go-action-center', description: 'Go to Action Center' },
  { keys: 'g b', command: 'go-bookings', description: 'Go to Bookings' },
  { keys: 'g i', command: 'go-inquiries', description: 'Go to Inquiries' },
  { keys: 'e', command: 'open-entity', description: 'Open entity sidebar' },
  { keys: 'a', command: 'assign-to-me', description: 'Assign to me' },
  { keys: 's', command: 'change-status', description: 'Change status' },
  { keys: 'Esc', command: 'close', description: 'Close sidebar' },
  { keys: '↑ / ↓', command: 'down', description: 'Navigate list' },
  { keys: 'Enter', command: 'open-selected', description: 'Open selected' },
  { keys: '?', command: 'help', description: 'Show these shortcuts' },
  { keys: 'Ctrl/⌘ K', command: 'palette', description: 'Command palette' },
];

const SINGLE: Readonly<Record<string, ShortcutCommand>> = {
  '/': 'focus-search', e: 'open-entity', a: 'assign-to-me', s: 'change-status', '?': 'help',
  ArrowUp: 'up', ArrowDown: 'down', Enter: 'open-selected', Escape: 'close',
};
const AFTER_G: Readonly<Record<string, ShortcutCommand>> = { a: 'go-action-center', b: 'go-bookings', i: 'go-inquiries' };
const PREFIX_TIMEOUT_MS = 1500;

export class ShortcutMatcher {
  private prefixAt: number | null = null;

  /** The command this key completes, or null (a prefix, or not a shortcut). */
  press(key: KeyPress, now: number): ShortcutCommand | null {
    if ((key.ctrlKey || key.metaKey) && key.key.toLowerCase() === 'k') {
      this.prefixAt = null;
      return 'palette';
    }
    if (key.key === 'Escape') {
      this.prefixAt = null;
      return 'close';
    }
    if (key.inTextField || key.ctrlKey || key.metaKey || key.altKey) return null;
    if (this.prefixAt !== null && now - this.prefixAt <= PREFIX_TIMEOUT_MS) {
      this.prefixAt = null;
      return AFTER_G[key.key] ?? null;
    }
    this.prefixAt = null;
    if (key.key === 'g') {
      this.prefixAt = now;
      return null;
    }
    return SINGLE[key.key] ?? null;
  }
}
