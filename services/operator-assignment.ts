/**
 * Who automation gives work to (assign_operator, create_task's assigned_to): a named user, the
 * next available operator (round robin among active operators on shift now and under their cap
 * of open work items), the least loaded operator, or the least loaded member of a role
 * (`finance_team`). Shifts and caps are data ops managers manage (operator_shifts,
 * operator_capacity); an operator without a cap row has DEFAULT_OPEN_ITEMS_CAP.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AssigneeChoice } from '../domain/automation-rules.ts';
import { invalidInput } from '../domain/errors.ts';
import { sqlList } from '../domain/formats.ts';
import { OPEN_EXCEPTION_STATUSES, OPEN_TASK_STATUSES } from '../domain/lifecycles.ts';

export const DEFAULT_OPEN_ITEMS_CAP = 10;

/** Open tasks and exceptions assigned to u.id (an SQL expression). */
const OPEN_ITEMS = `((SELECT count(*) FROM tasks t WHERE t.assigned_to = u.id AND t.status IN (${sqlList(OPEN_TASK_STATUSES)}))
  + (SELECT count(*) FROM exceptions x WHERE x.assigned_to = u.id AND x.status IN (${sqlList(OPEN_EXCEPTION_STATUSES)})))`;

const MEMBERS_OF = `u.status = 'active' AND EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id AND r.code = ?)`;

/** The user to assign, or null when nobody fits (the work stays unassigned, visible to every operator). */
export async function pickAssignee(em: EntityManager, choice: AssigneeChoice): Promise<string | null> {
  const connection = em.getConnection();
  switch (choice.kind) {
    case 'user': {
      const rows = await connection.execute<Array<{ id: string }>>(`SELECT id FROM users WHERE id = ? AND status = 'active'`, [choice.userId]);
      if (!rows[0]) throw invalidInput('operator_id', `no active user ${choice.userId}`);
      return rows[0].id;
    }
    case 'least_loaded':
    case 'role': {
      const role = choice.kind === 'role' ? choice.role : 'OPERATOR';
      const rows = await connection.execute<Array<{ id: string }>>(
        `SELECT u.id FROM users u WHERE ${MEMBERS_OF} ORDER BY ${OPEN_ITEMS}, u.created_at, u.id LIMIT 1`, [role]);
      return rows[0]?.id ?? null;
    }
    case 'next_available':
      // One pick at a time (a transaction-scoped lock), so concurrent executions rotate instead of all taking the same operator.
      return em.transactional(async (tx) => {
        const conn = tx.getConnection();
        const ctx = tx.getTransactionContext();
        await conn.execute(`SELECT pg_advisory_xact_lock(hashtext('virel.next_available'))`, [], 'all', ctx);
        const rows = await conn.execute<Array<{ id: string }>>(
          `SELECT u.id FROM users u LEFT JOIN operator_capacity c ON c.user_id = u.id
            WHERE ${MEMBERS_OF}
              AND EXISTS (SELECT 1 FROM operator_shifts s WHERE s.user_id = u.id AND s.starts_at <= now() AND s.ends_at > now())
              AND ${OPEN_ITEMS} < coalesce(c.max_open_items, ?)
            ORDER BY c.last_assigned_at ASC NULLS FIRST, u.created_at, u.id LIMIT 1`, ['OPERATOR', DEFAULT_OPEN_ITEMS_CAP], 'all', ctx);
        const id = rows[0]?.id ?? null;
        if (id) {
          await conn.execute(
            `INSERT INTO operator_capacity (user_id, max_open_items, last_assigned_at) VALUES (?, ?, clock_timestamp())
             ON CONFLICT (user_id) DO UPDATE SET last_assigned_at = clock_timestamp()`, [id, DEFAULT_OPEN_ITEMS_CAP], 'all', ctx);
        }
        return id;
      });
  }
}

/** Refuses an assignee text naming a role nobody has defined or a user who does not exist (at save). */
export async function checkAssignee(em: EntityManager, choice: AssigneeChoice, field: string): Promise<void> {
  const connection = em.getConnection();
  if (choice.kind === 'user') {
    const rows = await connection.execute(`SELECT 1 FROM users WHERE id = ?`, [choice.userId]);
    if (rows.length === 0) throw invalidInput(field, `no user ${choice.userId}`);
  } else if (choice.kind === 'role') {
    const rows = await connection.execute(`SELECT 1 FROM roles WHERE code = ?`, [choice.role]);
    if (rows.length === 0) throw invalidInput(field, `no role ${choice.role}: use a user id, next_available, least_loaded, or a role (e.g. finance_team)`);
  }
}
