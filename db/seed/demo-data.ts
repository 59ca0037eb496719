/**
 * Demo content for a new installation: a user per role, locations, services, models,
 * clients and integrations. Neutral and professional. Lifecycle entities (inquiries,
 * bookings) are not inserted here: they are created through their workflows
 * (launcher/demo-lifecycles.ts), because every status they hold must come from one.
 */
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { RoleCode } from '../../domain/access.ts';
import { hashPassword } from '../../platform/passwords.ts';
import {
  Attribute, AttributeValue, CallRate, Category, Client, Integration, Location, Model, ModelStats, type Role, Service, User,
} from '../entities/index.ts';

export interface DemoCredential {
  readonly role: RoleCode;
  readonly name: string;
  readonly email: string;
  readonly password: string;
}

const DEMO_USERS: ReadonlyArray<[RoleCode, string, string]> = [
  ['OWNER', 'Adel Owner', 'owner@virel.local'],
  ['OPS_MANAGER', 'Tommy Ops', 'ops@virel.local'],
  ['OPERATOR', 'Lukas Operator', 'lukas@virel.local'],
  ['CONTENT_MANAGER', 'Carla Content', 'content@virel.local'],
  ['FINANCE', 'Fiona Finance', 'finance@virel.local'],
  ['INTEGRATIONS_ADMIN', 'Ian Integrations', 'integrations@virel.local'],
  ['READ_ONLY', 'Rita Readonly', 'readonly@virel.local'],
];

/** Re-exported for the tests that insert users directly. */
export { hashPassword };

export async function seedDemoUsers(em: EntityManager, roles: Map<RoleCode, Role>): Promise<DemoCredential[]> {
  const credentials: DemoCredential[] = [];
  for (const [role, name, email] of DEMO_USERS) {
    const password = randomBytes(9).toString('base64url');
    const user = em.create(User, { email, name, passwordHash: await hashPassword(password) });
    user.roles.add(roles.get(role) as Role);
    credentials.push({ role, name, email, password });
  }
  // A second operator, so assignment and "only what is assigned to me" can be seen.
  const password = randomBytes(9).toString('base64url');
  const sasha = em.create(User, { email: 'sasha@virel.local', name: 'Sasha Operator', passwordHash: await hashPassword(password) });
  sasha.roles.add(roles.get('OPERATOR') as Role);
  credentials.push({ role: 'OPERATOR', name: 'Sasha Operator', email: 'sasha@virel.local', password });
  return credentials;
}

export function seedDemoCatalogue(em: EntityManager): void {
  const locations = [
    ['Mayfair', 'mayfair', 51.5116, -0.1478],
    ['Kensington', 'kensington', 51.4991, -0.1938],
    ['Chelsea', 'chelsea', 51.4875, -0.1687],
    ['Canary Wharf', 'canary-wharf', 51.5054, -0.0235],
  ].map(([title, slug, lat, lng]) =>
    em.create(Location, { title: String(title), slug: String(slug), county: 'Greater London', latitude: String(lat), longitude: String(lng), isPopular: slug === 'mayfair' }),
  );
  for (const location of locations) {
    em.create(CallRate, { location, durationMinutes: 60, price: '300.00' });
    em.create(CallRate, { location, durationMinutes: 120, price: '550.00' });
  }
  const services = [
    ['Dinner companion', 'dinner-companion', true],
    ['Social event', 'social-event', true],
    ['Business function', 'business-function', false],
    ['Travel companion', 'travel-companion', false],
  ].map(([title, slug, isPopular]) => em.create(Service, { title: String(title), slug: String(slug), isPopular: Boolean(isPopular) }));
  const featured = em.create(Category, { title: 'Featured', slug: 'featured', isPopular: true });
  em.create(Category, { title: 'New faces', slug: 'new-faces' });
  const hair = em.create(Attribute, { code: 'hair_colour', name: 'Hair colour' });
  const hairValues = ['Blonde', 'Brunette', 'Red', 'Black'].map((value, i) => em.create(AttributeValue, { attribute: hair, value, sortOrder: i }));
  em.create(Attribute, { code: 'languages', name: 'Languages', dataType: 'text' });

  const models: Array<[string, string, number, number]> = [
    ['Sophia', 'SOPHIA-MF', 0, 0],
    ['Isabella', 'ISABELLA-KN', 1, 1],
    ['Olivia', 'OLIVIA-CH', 2, 2],
  ];
  for (const [name, publicCode, locationIndex, hairIndex] of models) {
    const model = em.create(Model, {
      name,
      publicCode,
      slug: name.toLowerCase(),
      primaryLocation: locations[locationIndex] ?? null,
      ratingInternal: '4.80',
    });
    em.create(ModelStats, { model, age: 27, height: 172, languages: ['English', 'French'], hairColour: hairValues[hairIndex]?.value ?? null });
    model.services.add(services[0] as Service, services[1] as Service);
    model.categories.add(featured);
    model.attributeValues.add(hairValues[hairIndex] as AttributeValue);
  }

  em.create(Client, { fullName: 'James Carter', email: 'james.carter@example.com', phone: '+447700900123', preferredChannel: 'whatsapp', tags: ['vip', 'regular'] });
  em.create(Client, { fullName: 'Emily Stone', email: 'emily.stone@example.com', phone: '+447700900456', preferredChannel: 'web', tags: ['regular'] });
  em.create(Client, { fullName: 'Michael Reed', email: 'michael.reed@example.org', phone: '+447700900789', preferredChannel: 'telegram', tags: [] });

  em.create(Integration, { code: 'stripe', name: 'Stripe', type: 'stripe', status: 'active', config: { mode: 'test', currency: 'GBP' } });
  em.create(Integration, { code: 'telegram', name: 'Telegram', type: 'telegram', status: 'testing', config: { bot: 'virel_ops_bot' } });
  em.create(Integration, { code: 'whatsapp', name: 'WhatsApp', type: 'whatsapp', status: 'testing', config: {} });
  em.create(Integration, { code: 'partner_api', name: 'Partner API', type: 'partner', status: 'active', config: {} });
}
