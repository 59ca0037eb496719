/**
 * Optimistic quick actions: an action hides (or changes) its item at once; the server's answer
 * either settles it (the item stays hidden until the refreshed list no longer has it) or rolls it
 * back (the item returns, with the server's message). Pure state with listeners, so the React
 * layer only renders it and tests drive it without a browser.
 */

export type Effect = { readonly kind: 'remove' } | { readonly kind: 'patch'; readonly patch: Readonly<Record<string, unknown>> };

export interface PendingAction {
  readonly token: number;
  readonly itemId: string;
  readonly label: string;
  readonly effect: Effect;
  /** 'pending' until the server answers; 'settled' until the list catches up. */
  readonly state: 'pending' | 'settled';
  /** Fresh lists seen since it settled (a list requested before the change may still hold the item). */
  readonly listsSinceSettled: number;
}

/** A settled removal whose item is still listed after this many fresh lists was not a removal after all. */
const MAX_LISTS_AFTER_SETTLE = 2;

export interface Refusal {
  readonly itemId: string;
  readonly label: string;
  readonly message: string;
}

export class OptimisticActions {
  private pending: PendingAction[] = [];
  private nextToken = 1;
  private readonly listeners = new Set<() => void>();
  private version = 0;
  lastRefusal: Refusal | null = null;

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes whenever the state does (for useSyncExternalStore). */
  snapshot(): number {
    return this.version;
  }

  begin(itemId: string, label: string, effect: Effect): number {
    const token = this.nextToken++;
    this.pending = [...this.pending, { token, itemId, label, effect, state: 'pending', listsSinceSettled: 0 }];
    this.changed();
    return token;
  }

  /** The server accepted: keep the effect until `reconcile` sees the list without the item. */
  settle(token: number): void {
    this.pending = this.pending.map((p) => (p.token === token ? { ...p, state: 'settled' } : p));
    this.changed();
  }

  /** The server refused: the item comes back and the message is kept to show. */
  rollback(token: number, message: string): void {
    const action = this.pending.find((p) => p.token === token);
    this.pending = this.pending.filter((p) => p.token !== token);
    if (action) this.lastRefusal = { itemId: action.itemId, label: action.label, message };
    this.changed();
  }

  dismissRefusal(): void {
    this.lastRefusal = null;
    this.changed();
  }

  /**
   * A fresh list from the server: settled removals whose item is gone are done; a settled patch
   * is done once the server's copy is refetched (it now carries the change itself).
   */
  reconcile(presentIds: ReadonlySet<string>): void {
    const before = this.pending;
    this.pending = this.pending
      .map((p) => (p.state === 'settled' ? { ...p, listsSinceSettled: p.listsSinceSettled + 1 } : p))
      .filter((p) => p.state === 'pending'
        || (p.effect.kind === 'remove' && presentIds.has(p.itemId) && p.listsSinceSettled <= MAX_LISTS_AFTER_SETTLE));
    if (this.pending.length !== before.length) this.changed();
  }

  hiddenIds(): Set<string> {
    return new Set(this.pending.filter((p) => p.effect.kind === 'remove').map((p) => p.itemId));
  }

  /** The item with any pending patches applied. */
  apply<T extends { readonly id: string }>(item: T): T {
    let result = item;
    for (const p of this.pending) {
      if (p.itemId === item.id && p.effect.kind === 'patch') result = { ...result, ...p.effect.patch };
    }
    return result;
  }

  isPending(itemId: string): boolean {
    return this.pending.some((p) => p.itemId === itemId && p.state === 'pending');
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}
