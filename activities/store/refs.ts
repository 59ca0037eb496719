/** Human-readable references (I-1001, B-1001, T-1001, E-1001) from per-kind sequences. */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { LifecycleEntityType } from '../../domain/lifecycles.ts';

const PREFIX: Record<LifecycleEntityType, string> = { inquiry: 'I', booking: 'B', task: 'T', exception: 'E' };

export async function nextRef(em: EntityManager, kind: LifecycleEntityType): Promise<string> {
  const [row] = (await em.getConnection().execute(
    `SELECT nextval('${kind}_ref_seq') AS n`, [], 'all', em.getTransactionContext(),
  )) as [{ n: string }];
  return `${PREFIX[kind]}-${row.n}`;
}
