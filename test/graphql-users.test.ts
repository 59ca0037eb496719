/**
 * Users, roles and permissions through the real API over HTTP: CRUD round trips, validation and
 * conflicts that change nothing, disabling that ends sessions at once, last-owner protection,
 * no privilege escalation, custom roles, pagination, masking and the audit trail.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ROLES } from '../domain/access.ts';
import { bearer, startTestPlatform, type GraphQLResponse, type TestPlatform } from './support/platform.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ worker: false });
});
afterAll(async () => {
  await platform?.stop();
});

const PASSWORD = 'a long enough password';
const USER_FIELDS = 'id email phone name status roles { code }';
const tag = () => randomUUID().slice(0, 8);
const codeOf = (result: GraphQLResponse<unknown>) => result.errors?.[0]?.extensions?.code;

interface UserNode { id: string; email: string; phone: string | null; name: string; status: string; roles: Array<{ code: string }> }

async function createUser(fields: { email?: string; name?: string; roleCodes?: string[]; phone?: string } = {}, headers?: Record<string, string>) {
  return platform.gql<{ createUser: UserNode }>(`mutation ($input: CreateUserInput!) { createUser(input: $input) { ${USER_FIELDS} } }`, {
    input: { email: fields.email ?? `user-${tag()}@virel.local`, name: fields.name ?? 'Test User', password: PASSWORD, roleCodes: fields.roleCodes ?? [], phone: fields.phone },
  }, headers);
}

async function login(email: string, password = PASSWORD) {
  return platform.gql<{ login: { accessToken: string; refreshToken: string } }>(
    'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken } }', { e: email, p: password }, { authorization: '' });
}

async function signedIn(roleCodes: string[]) {
  const created = (await createUser({ roleCodes })).data!.createUser;
  const session = (await login(created.email)).data!.login;
  return { user: created, ...session, headers: bearer(session.accessToken) };
}

const me = (headers: Record<string, string>) => platform.gql<{ me: { permissions: string[] } }>('{ me { id permissions } }', undefined, headers);
const auditOf = (entityId: string) => platform.sql<{ action: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; actor_user_id: string; metadata: Record<string, unknown> | null }>(
  'SELECT action, before, after, actor_user_id, metadata FROM audit_log WHERE entity_id = ? ORDER BY created_at, id', [entityId]);
const ownerId = async () => (await platform.gql<{ me: { id: string } }>('{ me { id } }')).data!.me.id;

describe('users', () => {
  test('create, read back with roles, sign in with the password; no hash anywhere; audited', async () => {
    const email = `Create-${tag()}@Virel.local`;
    const created = await createUser({ email, name: 'Dana Example', roleCodes: ['OPERATOR', 'READ_ONLY'], phone: '+447700900555' });
    expect(created.errors).toBeUndefined();
    const user = created.data!.createUser;
    expect(user).toMatchObject({ email: email.toLowerCase(), name: 'Dana Example', status: 'active', phone: '+447700900555' });
    expect(user.roles.map((r) => r.code)).toEqual(['OPERATOR', 'READ_ONLY']);

    const read = await platform.gql<{ user: UserNode }>(`query ($id: ID!) { user(id: $id) { ${USER_FIELDS} } }`, { id: user.id });
    expect(read.data?.user).toEqual(user);
    const fields = await platform.gql<{ __type: { fields: Array<{ name: string }> } }>('{ __type(name: "User") { fields { name } } }');
    expect(fields.data!.__type.fields.map((f) => f.name).filter((n) => /password|hash/i.test(n))).toEqual([]);

    const session = await login(email);
    expect(session.errors).toBeUndefined();
    const [row] = await platform.sql<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = ?', [user.id]);
    expect(row!.password_hash).toMatch(/^\$argon2id\$/);

    const audit = await auditOf(user.id);
    expect(audit.map((a) => a.action)).toContain('CREATE');
    const creation = audit.find((a) => a.action === 'CREATE')!;
    expect(creation.actor_user_id).toBe(await ownerId());
    expect(creation.after).toMatchObject({ email: email.toLowerCase(), roles: ['OPERATOR', 'READ_ONLY'] });
    expect(JSON.stringify(creation)).not.toMatch(/argon2|password_hash|passwordHash/);
    const [origin] = await platform.sql<{ ip: string | null; user_agent: string | null }>(`SELECT ip, user_agent FROM audit_log WHERE entity_id = ? AND action = 'CREATE'`, [user.id]);
    expect(origin!.ip).toMatch(/127\.0\.0\.1/);
  });

  test('invalid input is VALIDATION naming the field and creates nothing', async () => {
    // Every refused user carries this test's name: counted by it, not over the whole table.
    const name = `Refused ${tag()}`;
    const users = async () => ((await platform.sql<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE name = ?', [name])) as [{ n: number }])[0].n;
    const badEmail = await platform.gql('mutation ($n: String!) { createUser(input: { email: "not-an-email", name: $n, password: "a long enough password" }) { id } }', { n: name });
    expect(badEmail.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'email' });
    const shortPassword = await platform.gql(`mutation ($n: String!) { createUser(input: { email: "short-${tag()}@virel.local", name: $n, password: "short" }) { id } }`, { n: name });
    expect(shortPassword.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'password' });
    const unknownRole = await createUser({ name, roleCodes: ['NO_SUCH_ROLE'] });
    expect(unknownRole.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'roleCodes' });
    expect(await users()).toBe(0);
    // The same input with a known role is counted.
    expect((await createUser({ name })).errors).toBeUndefined();
    expect(await users()).toBe(1);
  });

  test('a duplicate email is CONFLICT (on create and update, whatever the case), not an internal error', async () => {
    const first = (await createUser()).data!.createUser;
    const again = await createUser({ email: first.email.toUpperCase() });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'email' });
    const other = (await createUser()).data!.createUser;
    const update = await platform.gql('mutation ($id: ID!, $e: String!) { updateUser(id: $id, input: { email: $e }) { id } }', { id: other.id, e: first.email });
    expect(update.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'email' });
    expect((await platform.sql('SELECT email FROM users WHERE id = ?', [other.id]))[0]).toEqual({ email: other.email });
  });

  test('update changes only the given fields and is audited with before and after; unknown ids are NOT_FOUND', async () => {
    const user = (await createUser({ name: 'Before Name' })).data!.createUser;
    const updated = await platform.gql<{ updateUser: UserNode }>(`mutation ($id: ID!) { updateUser(id: $id, input: { name: "After Name", phone: "+447700900777" }) { ${USER_FIELDS} } }`, { id: user.id });
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateUser).toMatchObject({ name: 'After Name', phone: '+447700900777', email: user.email });
    const audit = (await auditOf(user.id)).find((a) => a.action === 'UPDATE')!;
    expect(audit.before).toMatchObject({ name: 'Before Name', phone: null });
    expect(audit.after).toMatchObject({ name: 'After Name', phone: '+447700900777' });

    const missing = await platform.gql(`mutation { updateUser(id: "${randomUUID()}", input: { name: "X" }) { id } }`);
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    expect((await platform.gql<{ user: unknown }>(`{ user(id: "${randomUUID()}") { id } }`)).data?.user).toBeNull();
  });

  test('a new password ends the sessions opened with the old one', async () => {
    const { user, headers, refreshToken } = await signedIn(['READ_ONLY']);
    const changed = await platform.gql('mutation ($id: ID!) { updateUser(id: $id, input: { password: "another long password" }) { id } }', { id: user.id });
    expect(changed.errors).toBeUndefined();
    expect(codeOf(await me(headers))).toBe('UNAUTHENTICATED');
    expect(codeOf(await platform.gql('mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken } }', { t: refreshToken }, { authorization: '' }))).toBe('UNAUTHENTICATED');
    expect((await login(user.email, 'another long password')).errors).toBeUndefined();
  });

  test('disabling ends the session at once: the next request and the refresh token are UNAUTHENTICATED; enabling lets them back in', async () => {
    const { user, headers, refreshToken } = await signedIn(['OPERATOR']);
    expect((await me(headers)).errors).toBeUndefined();

    const disabled = await platform.gql<{ disableUser: UserNode }>('mutation ($id: ID!) { disableUser(id: $id, reason: "left the company") { status } }', { id: user.id });
    expect(disabled.data?.disableUser.status).toBe('disabled');
    expect(codeOf(await me(headers))).toBe('UNAUTHENTICATED');
    expect(codeOf(await platform.gql('mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken } }', { t: refreshToken }, { authorization: '' }))).toBe('UNAUTHENTICATED');
    expect((await login(user.email)).errors?.[0]).toMatchObject({ message: 'This account is disabled.' });
    const [tokens] = await platform.sql<{ open: number }>('SELECT count(*) FILTER (WHERE revoked_at IS NULL)::int AS open FROM refresh_tokens WHERE user_id = ?', [user.id]);
    expect(tokens!.open).toBe(0);

    const audit = (await auditOf(user.id)).find((a) => a.action === 'DISABLE')!;
    expect(audit).toMatchObject({ before: { status: 'active' }, after: { status: 'disabled' }, metadata: { reason: 'left the company', sessionsRevoked: 1 } });

    const enabled = await platform.gql<{ enableUser: UserNode }>('mutation ($id: ID!) { enableUser(id: $id) { status } }', { id: user.id });
    expect(enabled.data?.enableUser.status).toBe('active');
    expect((await login(user.email)).errors).toBeUndefined();
    expect((await auditOf(user.id)).map((a) => a.action)).toEqual(expect.arrayContaining(['CREATE', 'DISABLE', 'ENABLE']));
  });

  test('nobody disables themselves; the last active owner can be neither disabled nor demoted', async () => {
    const owner = await ownerId();
    const self = await platform.gql('mutation ($id: ID!) { disableUser(id: $id) { id } }', { id: owner });
    expect(self.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });

    // A second owner makes demotion possible; once they are disabled, the demo owner is the last one.
    const second = (await createUser({ roleCodes: ['OWNER'] })).data!.createUser;
    expect((await platform.gql('mutation ($id: ID!) { disableUser(id: $id) { id } }', { id: second.id })).errors).toBeUndefined();
    const [{ n: activeOwners }] = (await platform.sql<{ n: number }>(`SELECT count(*)::int AS n FROM users u JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id WHERE r.code = 'OWNER' AND u.status = 'active'`)) as [{ n: number }];
    expect(activeOwners).toBe(1);

    const demote = await platform.gql('mutation ($id: ID!) { setUserRoles(userId: $id, roleCodes: ["READ_ONLY"]) { id } }', { id: owner });
    expect(demote.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'roleCodes' });

    // An administrator with users.write but not OWNER may not touch an owner at all (let alone the last).
    const role = `ADMIN_${tag().toUpperCase()}`;
    expect((await platform.gql(`mutation { createRole(input: { code: "${role}", name: "Admin", permissions: ["users.read", "users.write"] }) { code } }`)).errors).toBeUndefined();
    const admin = await signedIn([role]);
    const disableOwner = await platform.gql('mutation ($id: ID!) { disableUser(id: $id) { id } }', { id: owner }, admin.headers);
    expect(disableOwner.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect((await me({})).errors).toBeUndefined();
    expect((await platform.sql('SELECT status FROM users WHERE id = ?', [owner]))[0]).toEqual({ status: 'active' });
  });

  test('nobody grants or takes away permissions they do not hold', async () => {
    const role = `HR_${tag().toUpperCase()}`;
    await platform.gql(`mutation { createRole(input: { code: "${role}", name: "HR", permissions: ["users.read", "users.write"] }) { code } }`);
    const hr = await signedIn([role]);
    const escalate = await platform.gql('mutation ($id: ID!) { setUserRoles(userId: $id, roleCodes: ["OWNER"]) { id } }', { id: hr.user.id }, hr.headers);
    expect(escalate.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    const wideRole = await platform.gql(`mutation { createRole(input: { code: "WIDE_${tag().toUpperCase()}", name: "Wide", permissions: ["payments.write"] }) { code } }`, undefined, hr.headers);
    expect(wideRole.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permissions: ['payments.write'] });
    const viaCreate = await createUser({ roleCodes: ['FINANCE'] }, hr.headers);
    expect(viaCreate.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect((await platform.sql('SELECT code FROM roles r JOIN user_roles ur ON ur.role_id = r.id WHERE ur.user_id = ?', [hr.user.id]))).toEqual([{ code: role }]);
  });
});

describe('managing stronger users', () => {
  test('users.write alone cannot reset, disable or re-role a user holding permissions the caller lacks (an owner); a weaker user it can', async () => {
    const role = `ADMIN_${tag().toUpperCase()}`;
    await platform.gql(`mutation { createRole(input: { code: "${role}", name: "Admin", permissions: ["users.read", "users.write"] }) { code } }`);
    const admin = await signedIn([role]);
    const owner = (await createUser({ roleCodes: ['OWNER'] })).data!.createUser;
    const [before] = await platform.sql<{ password_hash: string; status: string }>('SELECT password_hash, status FROM users WHERE id = ?', [owner.id]);
    const attempts = [
      ['mutation ($id: ID!) { updateUser(id: $id, input: { password: "attacker-pass-123" }) { id } }', 'updateUser'],
      ['mutation ($id: ID!) { updateUser(id: $id, input: { email: "taken-over@example.com" }) { id } }', 'updateUser'],
      ['mutation ($id: ID!) { disableUser(id: $id, reason: "x") { id } }', 'disableUser'],
      ['mutation ($id: ID!) { setUserRoles(userId: $id, roleCodes: ["OWNER", "READ_ONLY"]) { id } }', 'setUserRoles'],
    ] as const;
    for (const [mutation] of attempts) {
      const refused = await platform.gql(mutation, { id: owner.id }, admin.headers);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect((await platform.sql('SELECT password_hash, status FROM users WHERE id = ?', [owner.id]))[0]).toEqual(before);
    expect((await login(owner.email)).data?.login.accessToken).toEqual(expect.any(String));
    // A user whose permissions the admin holds (here: none) it manages.
    const plain = (await createUser({ roleCodes: [] })).data!.createUser;
    const renamed = await platform.gql<{ updateUser: { name: string } }>('mutation ($id: ID!) { updateUser(id: $id, input: { name: "Renamed" }) { name } }', { id: plain.id }, admin.headers);
    expect(renamed.data?.updateUser.name).toBe('Renamed');
  });
});

describe('roles', () => {
  test('the seven built-in roles carry the shipped permissions and cannot be edited; OWNER has every permission', async () => {
    const result = await platform.gql<{ roles: Array<{ code: string; builtIn: boolean; permissions: string[] }>; permissions: Array<{ code: string }> }>('{ roles { code builtIn permissions } permissions { code description } }');
    const byCode = new Map(result.data!.roles.map((r) => [r.code, r]));
    for (const [code, role] of Object.entries(ROLES)) {
      expect(byCode.get(code)).toMatchObject({ builtIn: true, permissions: [...role.permissions].sort() });
    }
    expect(byCode.get('OWNER')!.permissions).toEqual(result.data!.permissions.map((p) => p.code).sort());
    const edit = await platform.gql('mutation { updateRole(code: "OWNER", input: { permissions: ["users.read"] }) { code } }');
    expect(edit.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'code' });
    expect(codeOf(await platform.gql('mutation { deleteRole(code: "READ_ONLY") }'))).toBe('CONFLICT');
    expect(codeOf(await platform.gql('mutation { updateRole(code: "NO_SUCH_ROLE_X", input: { name: "x" }) { code } }'))).toBe('NOT_FOUND');
  });

  test('custom roles: create, duplicate is CONFLICT, unknown permission is VALIDATION, edits apply at the holder\'s next request', async () => {
    const code = `NIGHT_${tag().toUpperCase()}`;
    const created = await platform.gql<{ createRole: { code: string; builtIn: boolean; permissions: string[] } }>(
      `mutation { createRole(input: { code: "${code}", name: "Night shift", permissions: ["models.read"] }) { code builtIn permissions } }`);
    expect(created.data?.createRole).toEqual({ code, builtIn: false, permissions: ['models.read'] });
    expect(codeOf(await platform.gql(`mutation { createRole(input: { code: "${code}", name: "Again", permissions: [] }) { code } }`))).toBe('CONFLICT');
    const unknown = await platform.gql(`mutation { createRole(input: { code: "X_${tag().toUpperCase()}", name: "X", permissions: ["nope.read"] }) { code } }`);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'permissions.0' });

    const holder = await signedIn([code]);
    expect((await me(holder.headers)).data!.me.permissions).toEqual(['models.read']);
    // Gaining a permission: the same session sees it at its next request.
    await platform.gql(`mutation { updateRole(code: "${code}", input: { permissions: ["models.read", "clients.read"] }) { code } }`);
    expect((await me(holder.headers)).data!.me.permissions).toEqual(['clients.read', 'models.read']);
    // Losing one ends the holder's sessions.
    await platform.gql(`mutation { updateRole(code: "${code}", input: { permissions: ["clients.read"] }) { code } }`);
    expect(codeOf(await me(holder.headers))).toBe('UNAUTHENTICATED');

    expect((await platform.gql(`mutation { deleteRole(code: "${code}") }`)).errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
    await platform.gql('mutation ($id: ID!) { setUserRoles(userId: $id, roleCodes: []) { id } }', { id: holder.user.id });
    expect((await platform.gql<{ deleteRole: boolean }>(`mutation { deleteRole(code: "${code}") }`)).data?.deleteRole).toBe(true);
    const [role] = await platform.sql<{ n: number }>('SELECT count(*)::int AS n FROM roles WHERE code = ?', [code]);
    expect(role!.n).toBe(0);
    const actions = await platform.sql<{ action: string }>(`SELECT action FROM audit_log WHERE entity_type = 'role' AND (before->>'code' = ? OR after->>'code' = ?) ORDER BY created_at`, [code, code]);
    expect(actions.map((a) => a.action)).toEqual(['CREATE', 'UPDATE', 'UPDATE', 'DELETE']);
  });

  test('setUserRoles: gaining a role applies at the next request; losing one ends the sessions; audited', async () => {
    const { user, headers } = await signedIn(['READ_ONLY']);
    const gained = await platform.gql<{ setUserRoles: UserNode }>('mutation ($id: ID!) { setUserRoles(userId: $id, roleCodes: ["READ_ONLY", "FINANCE"]) { roles { code } } }', { id: user.id });
    expect(gained.data!.setUserRoles.roles.map((r) => r.code)).toEqual(['FINANCE', 'READ_ONLY']);
    expect((await me(headers)).data!.me.permissions).toContain('payments.write');

    await platform.gql('mutation ($id: ID!) { setUserRoles(userId: $id, roleCodes: ["FINANCE"]) { id } }', { id: user.id });
    expect(codeOf(await me(headers))).toBe('UNAUTHENTICATED');
    const changes = (await auditOf(user.id)).filter((a) => a.action === 'ROLES_CHANGE');
    expect(changes.map((c) => [c.before, c.after])).toEqual([
      [{ roles: ['READ_ONLY'] }, { roles: ['FINANCE', 'READ_ONLY'] }],
      [{ roles: ['FINANCE', 'READ_ONLY'] }, { roles: ['FINANCE'] }],
    ]);
  });
});

describe('lists', () => {
  test('cursor pagination walks every match once, with filters and free-text search', async () => {
    const prefix = `Paged ${tag()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createUser({ name: `${prefix} ${i}`, roleCodes: i % 2 ? ['OPERATOR'] : [] })).data!.createUser.id);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: GraphQLResponse<{ users: { edges: Array<{ cursor: string; node: { id: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }> =
        await platform.gql('query ($s: String, $a: String) { users(first: 2, after: $a, search: $s) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }', { s: prefix, a: after });
      seen.push(...page.data!.users.edges.map((e) => e.node.id));
      after = page.data!.users.pageInfo.hasNextPage ? page.data!.users.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
    expect([...seen].sort()).toEqual([...ids].sort());

    const operators = await platform.gql<{ users: { edges: Array<{ node: UserNode }> } }>(`query ($s: String) { users(first: 10, search: $s, roleCode: "OPERATOR") { edges { node { ${USER_FIELDS} } } } }`, { s: prefix });
    expect(operators.data!.users.edges.map((e) => e.node.id).sort()).toEqual([ids[1], ids[3]].sort());
    expect(operators.data!.users.edges.every((e) => e.node.roles.length === 1)).toBe(true);
    const bad = await platform.gql('{ users(first: 1, after: "not-a-cursor") { edges { cursor } } }');
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'after' });
  });

  test('without pii.read, staff emails and phones are masked and cannot be spelled out by search', async () => {
    const email = `masked.person-${tag()}@example.com`;
    const user = (await createUser({ email, phone: '+447700900321', name: `Masked ${tag()}` })).data!.createUser;
    const readOnly = bearer(await platform.tokenOf('READ_ONLY'));
    const seen = await platform.gql<{ user: UserNode }>(`query ($id: ID!) { user(id: $id) { ${USER_FIELDS} } }`, { id: user.id }, readOnly);
    expect(seen.data!.user).toMatchObject({ email: 'ma***@example.com', phone: '+447700***321' });
    const partial = await platform.gql<{ users: { edges: unknown[] } }>('query ($s: String) { users(first: 5, search: $s) { edges { cursor } } }', { s: email.slice(0, 12) }, readOnly);
    expect(partial.data!.users.edges).toHaveLength(0);
    const exact = await platform.gql<{ users: { edges: unknown[] } }>('query ($s: String) { users(first: 5, search: $s) { edges { cursor } } }', { s: email }, readOnly);
    expect(exact.data!.users.edges).toHaveLength(1);
    const owner = await platform.gql<{ user: UserNode }>(`query ($id: ID!) { user(id: $id) { ${USER_FIELDS} } }`, { id: user.id });
    expect(owner.data!.user).toMatchObject({ email, phone: '+447700900321' });
  });
});
