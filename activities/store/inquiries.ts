/** Inquiry rows: created by the inquiry lifecycle's first activity. */
import { normalizePhone } from '../../domain/formats.ts';
import type { InquiryStatus } from '../../domain/lifecycles.ts';
import { writeChange } from '../../db/change-log.ts';
import { Client, Inquiry } from '../../db/entities/index.ts';
import type { NewInquiry } from '../../workflows/inquiry/messages.ts';
import type { Actor } from '../../workflows/lifecycle/messages.ts';
import type { ActivityDeps } from '../deps.ts';
import { nextRef } from './refs.ts';

export interface RecordInquiryCreated {
  readonly inquiry: NewInquiry;
  readonly actor: Actor;
  readonly transitionId: string;
}

export interface InquiryRowSummary {
  readonly id: string;
  readonly ref: string;
  readonly status: InquiryStatus;
  readonly assigneeId: string | null;
  /** What the lifecycle needs to know for its guards (see domain/guards.ts). */
  readonly facts: { readonly clientId: string | null; readonly depositAmount: string | null };
}

export function createInquiryStore({ orm }: ActivityDeps) {
  return {
    /** Inserts the inquiry (linking or creating its client) with its audit entry and `inquiry.created` event. */
    async recordInquiryCreated(input: RecordInquiryCreated): Promise<InquiryRowSummary> {
      return orm.em.fork().transactional(async (em) => {
        const existing = await em.findOne(Inquiry, { id: input.inquiry.id });
        if (existing) {
          return {
            id: existing.id, ref: existing.ref, status: existing.status as InquiryStatus,
            assigneeId: (existing.assignedTo as { id: string } | null)?.id ?? null,
            facts: { clientId: (existing.client as { id: string } | null)?.id ?? null, depositAmount: existing.depositAmount ?? null },
          };
        }

        const data = input.inquiry;
        const email = data.clientEmail?.trim().toLowerCase() || null;
        // Stored as + and digits, as the API stores clients' phones, so either finds the other.
        const phone = data.clientPhone ? normalizePhone(data.clientPhone) || null : null;
        let client = email ? await em.findOne(Client, { email }) : phone ? await em.findOne(Client, { phone }) : null;
        if (!client && (email || phone || data.clientName)) {
          client = em.create(Client, {
            fullName: data.clientName ?? null,
            email,
            phone,
            preferredChannel: data.source,
            tags: [],
          });
        }
        const ref = await nextRef(em, 'inquiry');
        const inquiry = em.create(Inquiry, {
          id: data.id,
          ref,
          source: data.source,
          externalRef: data.externalRef ?? null,
          client,
          status: 'new',
          priority: data.priority,
          subject: data.subject ?? null,
          message: data.message ?? null,
          clientName: data.clientName ?? null,
          clientEmail: email,
          clientPhone: phone,
          requestedLocation: data.requestedLocationId ?? null,
          requestedServices: data.requestedServices ? [...data.requestedServices] : null,
          requestedTimeFrom: data.requestedTimeFrom ? new Date(data.requestedTimeFrom) : null,
          requestedTimeTo: data.requestedTimeTo ? new Date(data.requestedTimeTo) : null,
        });
        await em.flush();
        const snapshot = { ref, source: data.source, externalRef: data.externalRef ?? null, status: 'new', priority: data.priority };
        await writeChange(em, {
          entityType: 'inquiry',
          entityId: inquiry.id,
          transitionId: input.transitionId,
          actor: input.actor,
          audit: { action: 'CREATE', before: null, after: snapshot },
          event: { type: 'inquiry.created', payload: { ...snapshot, inquiryId: inquiry.id, clientEmail: email, clientId: client?.id ?? null } },
        });
        return { id: inquiry.id, ref, status: 'new', assigneeId: null, facts: { clientId: client?.id ?? null, depositAmount: null } };
      });
    },
  };
}
