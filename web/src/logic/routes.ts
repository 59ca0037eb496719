/**
 * The app's places as URLs, so a reload, a shared link or a sign-in after an expired session
 * lands on the same view and card: /, /bookings, /inquiries, /stuck, /overview, with the open
 * card as ?card=<type>:<id> (and a view's filters as further parameters).
 */

export const VIEWS = ['action-center', 'bookings', 'inquiries', 'stuck', 'overview'] as const;
export type View = (typeof VIEWS)[number];

export const CARD_TYPES = ['booking', 'inquiry', 'client', 'task', 'exception', 'model'] as const;
export type CardType = (typeof CARD_TYPES)[number];

export interface CardRef {
  readonly type: CardType;
  readonly id: string;
}

export interface Route {
  readonly view: View;
  readonly card: CardRef | null;
  readonly params: Readonly<Record<string, string>>;
}

const PATHS: Readonly<Record<View, string>> = {
  'action-center': '/', bookings: '/bookings', inquiries: '/inquiries', stuck: '/stuck', overview: '/overview',
};

export function parseRoute(pathname: string, search: string): Route {
  const view = (Object.entries(PATHS).find(([, p]) => p === pathname.replace(/\/+$/, '') || (p === '/' && pathname === '/'))?.[0] ?? 'action-center') as View;
  const query = new URLSearchParams(search);
  const params: Record<string, string> = {};
  for (const [k, v] of query) if (k !== 'card') params[k] = v;
  return { view, card: parseCard(query.get('card')), params };
}

export function parseCard(value: string | null): CardRef | null {
  if (!value) return null;
  const [type, id] = value.split(':');
  if (!type || !id || !(CARD_TYPES as readonly string[]).includes(type)) return null;
  return { type: type as CardType, id };
}

export function formatRoute(route: Route): string {
  const query = new URLSearchParams(route.params);
  if (route.card) query.set('card', `${route.card.type}:${route.card.id}`);
  const search = query.toString();
  return `${PATHS[route.view]}${search ? `?${search}` : ''}`;
}
