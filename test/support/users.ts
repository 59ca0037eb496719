/**
 * A user of the test's own, created through the API (createUser as the demo owner) and signed in:
 * an operator whose Action Center holds only what the test gave them (and unassigned work), where
 * the demo operators' queues fill up with every other file's work in a full run.
 */
import { randomUUID } from 'node:crypto';
import { bearer, type TestPlatform } from './platform.ts';

export interface OwnUser {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  readonly token: string;
  /** Headers signing a request in as this user. */
  readonly headers: Record<string, string>;
}

export async function createSignedInUser(platform: TestPlatform, roleCodes: string[], name = 'Test User'): Promise<OwnUser> {
  const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${randomUUID().slice(0, 8)}@virel.local`;
  const password = `pw-${randomUUID()}`;
  const created = await platform.gql<{ createUser: { id: string } }>('mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }',
    { input: { email, name, password, roleCodes } });
  if (created.errors?.length || !created.data) throw new Error(`createUser: ${created.errors?.[0]?.message}`);
  const login = await platform.gql<{ login: { accessToken: string } }>('mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: email, p: password }, { authorization: '' });
  if (login.errors?.length || !login.data) throw new Error(`login: ${login.errors?.[0]?.message}`);
  const token = login.data.login.accessToken;
  return { id: created.data.createUser.id, email, password, token, headers: bearer(token) };
}
