/** Inquiry and lifecycle operations for the role × operation matrix. */
import { countOf, freshInquiry, type MatrixOperation } from '../support/role-matrix.ts';

const subject = async (platform: Parameters<typeof freshInquiry>[0]) => ({ id: await freshInquiry(platform) });
const changesOf = (platform: Parameters<typeof freshInquiry>[0], vars: Record<string, unknown>) =>
  countOf(platform, 'SELECT count(*) AS n FROM audit_log WHERE entity_id = ?', [vars.id]);

export const INQUIRY_OPERATIONS: MatrixOperation[] = [
  { field: 'Query.me', permission: null, document: '{ me { id } }' },
  { field: 'Query.inquiries', permission: 'inquiries.read', document: '{ inquiries(first: 1) { edges { cursor } } }' },
  { field: 'Query.inquiry', permission: 'inquiries.read', document: 'query ($id: ID!) { inquiry(id: $id) { id } }', setup: subject },
  {
    field: 'Mutation.createInquiry', permission: 'inquiries.write',
    document: 'mutation { createInquiry(input: { source: phone, clientName: "Matrix" }) { inquiry { id } } }',
    // Inquiries this document makes (its client name): inbound channels may add others meanwhile.
    state: (platform) => countOf(platform, `SELECT count(*) AS n FROM inquiries WHERE client_name = 'Matrix'`),
  },
  {
    field: 'Mutation.changeStatus', permission: 'inquiries.write', setup: subject, state: changesOf,
    document: 'mutation ($id: ID!) { changeStatus(input: { entity: { type: inquiry, id: $id }, to: "qualified" }) { to } }',
  },
  {
    field: 'Mutation.assign', permission: 'inquiries.write', setup: subject, state: changesOf,
    document: 'mutation ($id: ID!) { assign(input: { entity: { type: inquiry, id: $id }, assigneeId: null }) { entityId } }',
  },
  {
    field: 'Mutation.addNote', permission: 'inquiries.write', setup: subject, state: changesOf,
    document: 'mutation ($id: ID!) { addNote(input: { entity: { type: inquiry, id: $id }, text: "matrix" }) { entityId } }',
  },
  {
    field: 'Mutation.replyToInquiry', permission: 'inquiries.write',
    setup: async (platform) => {
      const created = await platform.gql<{ createInquiry: { inquiry: { id: string } } }>('mutation { createInquiry(input: { source: web, clientName: "Matrix reply", clientEmail: "matrix.reply@example.com" }) { inquiry { id } } }');
      return { id: created.data!.createInquiry.inquiry.id };
    },
    state: (platform, vars) => countOf(platform, `SELECT count(*) AS n FROM messages WHERE subject_id = ?`, [vars.id]),
    document: 'mutation ($id: ID!) { replyToInquiry(id: $id, text: "Hello from the matrix") { id status } }',
  },
];
