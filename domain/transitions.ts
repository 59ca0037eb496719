/** The one check every status change goes through. */
import { DomainError } from './errors.ts';
import type { Lifecycle } from './lifecycles.ts';

/** "An inquiry", "A booking": messages reach operators. */
export function withArticle(noun: string): string {
  return `${/^[aeiou]/.test(noun) ? 'An' : 'A'} ${noun}`;
}

export function allowedTargets<S extends string>(lifecycle: Lifecycle<S>, from: S): readonly S[] {
  return lifecycle.transitions[from];
}

export function assertTransition<S extends string>(lifecycle: Lifecycle<S>, from: S, to: string): asserts to is S {
  const allowed = allowedTargets(lifecycle, from);
  if (!(allowed as readonly string[]).includes(to)) {
    const targets = allowed.length === 0 ? `none: ${from} is final` : allowed.join(', ');
    throw new DomainError(
      'INVALID_TRANSITION',
      `${withArticle(lifecycle.entityType)} cannot go from ${from} to ${to}. Allowed from ${from}: ${targets}.`,
      { entityType: lifecycle.entityType, from, to, allowed: [...allowed] },
    );
  }
}
