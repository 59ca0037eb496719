/**
 * Unified search (seed §5): validates the text, works out which kinds this viewer may search
 * and how (policy, contacts), runs api/read-models/search.ts and groups the hits by kind.
 */
import { z } from 'zod';
import type { PermissionCode } from '../../../domain/access.ts';
import { contactFor, requireViewer } from '../../auth/authorize.ts';
import { CANDIDATES, SEARCH_KINDS, runSearch, type SearchKind, type SearchRow } from '../../read-models/search.ts';
import type { Resolvers, SearchGroup } from '../generated/types.ts';
import { validationError } from '../validation.ts';

const READ: Record<SearchKind, PermissionCode> = {
  booking: 'bookings.read', inquiry: 'inquiries.read', client: 'clients.read', model: 'models.read', task: 'tasks.read', exception: 'exceptions.read',
};

const searchInput = z.object({
  text: z.string().trim().min(1, 'type something to search for').max(100, 'at most 100 characters'),
  first: z.number().int().min(1).max(50),
});

function grouped(rows: SearchRow[], viewer: Parameters<typeof contactFor>[0]): SearchGroup[] {
  const groups = new Map<SearchKind, SearchGroup & { best: number }>();
  for (const row of rows) {
    const group = groups.get(row.kind) ?? { kind: row.kind, count: Math.min(row.kind_count, CANDIDATES), moreThanCount: row.kind_count > CANDIDATES, hits: [], best: row.score };
    const contact = contactFor(viewer, { clientEmail: row.email, clientPhone: row.phone });
    group.hits.push({
      kind: row.kind, id: row.id, ref: row.ref, title: row.title, subtitle: row.subtitle, status: row.status,
      matchedOn: row.matched_on, score: Math.round(row.score * 1000) / 1000, email: contact.clientEmail, phone: contact.clientPhone,
    });
    group.best = Math.max(group.best, row.score);
    groups.set(row.kind, group);
  }
  for (const group of groups.values()) group.hits.sort((a, b) => b.score - a.score);
  // Best group first; equal bests keep the order of SEARCH_KINDS.
  return [...groups.values()]
    .sort((a, b) => b.best - a.best || SEARCH_KINDS.indexOf(a.kind) - SEARCH_KINDS.indexOf(b.kind))
    .map(({ best: _best, ...group }) => group);
}

export const searchResolvers: Resolvers = {
  Query: {
    // Any signed-in user may search; each kind needs its own read permission and is simply
    // absent without it (a user who may read nothing searchable gets no groups).
    async search(_, args, ctx) {
      const viewer = requireViewer(ctx);
      const parsed = searchInput.safeParse({ text: args.text, first: args.first ?? 5 });
      if (!parsed.success) throw validationError(parsed.error);
      const { text, first } = parsed.data;
      const requested = args.kinds?.length ? args.kinds : SEARCH_KINDS;
      const kinds = SEARCH_KINDS.filter((k) => requested.includes(k) && viewer.permissions.includes(READ[k]));
      const rows = await runSearch(ctx.em, text, {
        viewerId: viewer.id, kinds, first,
        ownOrUnassignedOnly: !viewer.permissions.includes('entities.read_all'),
        searchContacts: viewer.permissions.includes('pii.read'),
      });
      return { text, groups: grouped(rows, viewer) };
    },
  },
};
