/** User, role and permission operations for the role × operation matrix. */
import { randomUUID } from 'node:crypto';
import { countOf, type MatrixOperation } from '../support/role-matrix.ts';
import type { TestPlatform } from '../support/platform.ts';

export const unique = () => randomUUID().slice(0, 8);

/** Runs a document as the owner and returns its data; a setup that fails says why. */
export async function asOwner<T>(platform: TestPlatform, document: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await platform.gql<T>(document, variables);
  if (result.errors || !result.data) throw new Error(`setup failed: ${JSON.stringify(result.errors)}`);
  return result.data;
}

/** A fresh user with no roles, created as the owner. */
export async function freshUser(platform: TestPlatform): Promise<string> {
  const data = await asOwner<{ createUser: { id: string } }>(platform,
    'mutation ($email: String!) { createUser(input: { email: $email, name: "Matrix user", password: "matrix password 1" }) { id } }',
    { email: `matrix-${unique()}@virel.local` });
  return data.createUser.id;
}

async function freshRole(platform: TestPlatform): Promise<string> {
  const code = `MATRIX_${unique().toUpperCase()}`;
  await asOwner(platform, 'mutation ($code: String!) { createRole(input: { code: $code, name: "Matrix", permissions: ["models.read"] }) { code } }', { code });
  return code;
}

const user = async (platform: TestPlatform) => ({ id: await freshUser(platform) });
const userRow = (platform: TestPlatform, vars: Record<string, unknown>) =>
  platform.orm.em.getConnection().execute('SELECT name, email, status, (SELECT count(*) FROM user_roles WHERE user_id = u.id)::int AS roles FROM users u WHERE id = ?', [vars.id ?? vars.userId]);
const roleRow = (platform: TestPlatform, vars: Record<string, unknown>) =>
  platform.orm.em.getConnection().execute('SELECT name, (SELECT count(*) FROM role_permissions WHERE role_id = r.id)::int AS permissions FROM roles r WHERE code = ?', [vars.code]);

export const USER_OPERATIONS: MatrixOperation[] = [
  { field: 'Query.users', permission: 'users.read', document: '{ users(first: 2) { edges { cursor node { id roles { code } } } } }' },
  { field: 'Query.user', permission: 'users.read', document: 'query ($id: ID!) { user(id: $id) { id email } }', setup: user },
  { field: 'Query.roles', permission: 'users.read', document: '{ roles { code permissions } }' },
  { field: 'Query.permissions', permission: 'users.read', document: '{ permissions { code } }' },
  {
    field: 'Mutation.createUser', permission: 'users.write',
    document: 'mutation ($email: String!) { createUser(input: { email: $email, name: "Matrix", password: "matrix password 1", roleCodes: ["READ_ONLY"] }) { id } }',
    setup: async () => ({ email: `matrix-${unique()}@virel.local` }),
    state: (platform) => countOf(platform, 'SELECT count(*) AS n FROM users'),
  },
  {
    field: 'Mutation.updateUser', permission: 'users.write', setup: user, state: userRow,
    document: 'mutation ($id: ID!) { updateUser(id: $id, input: { name: "Renamed" }) { id name } }',
  },
  {
    field: 'Mutation.disableUser', permission: 'users.write', setup: user, state: userRow,
    document: 'mutation ($id: ID!) { disableUser(id: $id, reason: "matrix") { status } }',
  },
  {
    field: 'Mutation.enableUser', permission: 'users.write', state: userRow,
    setup: async (platform) => {
      const id = await freshUser(platform);
      await asOwner(platform, 'mutation ($id: ID!) { disableUser(id: $id) { id } }', { id });
      return { id };
    },
    document: 'mutation ($id: ID!) { enableUser(id: $id) { status } }',
  },
  {
    field: 'Mutation.setUserRoles', permission: 'users.write', state: userRow,
    setup: async (platform) => ({ userId: await freshUser(platform) }),
    document: 'mutation ($userId: ID!) { setUserRoles(userId: $userId, roleCodes: ["READ_ONLY"]) { roles { code } } }',
  },
  {
    field: 'Mutation.createRole', permission: 'users.write',
    setup: async () => ({ code: `MATRIX_${unique().toUpperCase()}` }),
    document: 'mutation ($code: String!) { createRole(input: { code: $code, name: "Matrix", permissions: [] }) { code } }',
    state: (platform) => countOf(platform, 'SELECT count(*) AS n FROM roles'),
  },
  {
    field: 'Mutation.updateRole', permission: 'users.write', state: roleRow,
    setup: async (platform) => ({ code: await freshRole(platform) }),
    document: 'mutation ($code: String!) { updateRole(code: $code, input: { name: "Renamed", permissions: ["models.read", "clients.read"] }) { code } }',
  },
  {
    field: 'Mutation.deleteRole', permission: 'users.write', state: roleRow,
    setup: async (platform) => ({ code: await freshRole(platform) }),
    document: 'mutation ($code: String!) { deleteRole(code: $code) }',
  },
];
