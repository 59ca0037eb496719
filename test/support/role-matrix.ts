/**
 * The role × operation matrix: every root field of the API is listed in test/operations/ with the
 * permission it needs; test/authorization.test.ts runs each against every role of seed §2 and
 * proves allowed ones work and forbidden ones are FORBIDDEN and change nothing.
 */
import type { PermissionCode } from '../../domain/access.ts';
import type { TestPlatform } from './platform.ts';

export interface MatrixOperation {
  /** The root field it exercises: `Query.inquiries`, `Mutation.createInquiry`. */
  readonly field: string;
  /** What it needs; null: any signed-in user. */
  readonly permission: PermissionCode | null;
  /** The GraphQL document, with variables from `setup`. */
  readonly document: string;
  /**
   * Creates what the operation acts on (as the owner) and returns its variables. Subjects must
   * be actable by every role that holds the permission (an operator's policy: unassigned).
   */
  readonly setup?: (platform: TestPlatform) => Promise<Record<string, unknown>>;
  /** What a forbidden attempt must leave unchanged (a row, a count). */
  readonly state?: (platform: TestPlatform, variables: Record<string, unknown>) => Promise<unknown>;
}

/** A count from SQL, for `state`. */
export async function countOf(platform: TestPlatform, sql: string, params: unknown[] = []): Promise<number> {
  const rows = await platform.orm.em.getConnection().execute<Array<{ n: string | number }>>(sql, params);
  return Number(rows[0]?.n);
}

/** A fresh unassigned inquiry, created as the owner; for operations that act on one. */
export async function freshInquiry(platform: TestPlatform): Promise<string> {
  const created = await platform.gql<{ createInquiry: { inquiry: { id: string } } }>('mutation { createInquiry(input: { source: web, clientName: "Matrix subject" }) { inquiry { id } } }');
  const id = created.data?.createInquiry.inquiry.id;
  if (!id) throw new Error(`could not create an inquiry: ${JSON.stringify(created.errors)}`);
  return id;
}
