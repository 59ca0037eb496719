/**
 * Clients (seed §3, §6.4): creating and editing a client's record, audited. A client's email is
 * unique; a client always keeps a name, an email or a phone.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Client } from '../db/entities/index.ts';
import { assertPermission } from '../domain/access.ts';
import { conflict, invalidInput, notFound } from '../domain/errors.ts';
import { recordEdit } from './change-records.ts';
import type { Caller, ServiceDeps } from './context.ts';
import { isUuid } from './rows.ts';
import { uniquely } from './unique-writes.ts';

export interface NewClient {
  readonly fullName?: string | null | undefined;
  readonly email: string | null;
  readonly phone: string | null;
  readonly preferredChannel: string | null;
  readonly tags: string[];
}

/** Absent keys stay as they are; null clears. */
export interface ClientChanges {
  readonly fullName?: string | null | undefined;
  readonly email?: string | null | undefined;
  readonly phone?: string | null | undefined;
  readonly preferredChannel?: string | null | undefined;
  readonly tags?: string[] | null | undefined;
}

const EMAIL_TAKEN = 'Another client already has this email.';

async function assertEmailFree(em: EntityManager, address: string | null | undefined, exceptId?: string): Promise<void> {
  if (!address) return;
  const holder = await em.findOne(Client, { email: address });
  if (holder && holder.id !== exceptId) throw conflict(EMAIL_TAKEN, 'email');
}

const snapshotOf = (row: Client) => ({
  id: row.id, fullName: row.fullName ?? null, email: row.email ?? null, phone: row.phone ?? null,
  preferredChannel: row.preferredChannel ?? null, tags: row.tags ?? [],
});

export function createClientService(deps: ServiceDeps) {
  const fresh = (id: string) => deps.em.fork().findOneOrFail(Client, { id });

  return {
    async createClient(caller: Caller, input: NewClient): Promise<Client> {
      assertPermission(caller.principal, 'clients.write');
      const id = await uniquely(() => deps.em.fork().transactional(async (em) => {
        await assertEmailFree(em, input.email);
        const row = em.create(Client, input);
        await em.flush();
        await recordEdit(em, caller, { action: 'CREATE', entityType: 'client', entityId: row.id, after: snapshotOf(row) });
        return row.id;
      }), { email: EMAIL_TAKEN });
      return fresh(id);
    },

    async updateClient(caller: Caller, id: string, input: ClientChanges): Promise<Client> {
      assertPermission(caller.principal, 'clients.write');
      await uniquely(() => deps.em.fork().transactional(async (em) => {
        const row = isUuid(id) ? await em.findOne(Client, { id }) : null;
        if (!row) throw notFound('client', id);
        const before = snapshotOf(row);
        if (input.email && input.email !== row.email) await assertEmailFree(em, input.email, row.id);
        const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
        em.assign(row, changes);
        const after = snapshotOf(row);
        // Clearing the last contact detail would leave a client nobody can reach or recognise.
        if (!after.fullName && !after.email && !after.phone) throw invalidInput('fullName', 'a client needs a name, an email or a phone');
        await em.flush();
        await recordEdit(em, caller, { action: 'UPDATE', entityType: 'client', entityId: row.id, before, after });
      }), { email: EMAIL_TAKEN });
      return fresh(id);
    },
  };
}

export type ClientService = ReturnType<typeof createClientService>;
