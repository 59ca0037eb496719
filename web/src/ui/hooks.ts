/** Small React bindings for the app's stores (session, connection, route, clock). */
import { useEffect, useState, useSyncExternalStore } from 'react';
import { session, type SessionState } from '../auth/session.ts';
import { connection, type ConnectionState } from '../graphql/connection.ts';
import { formatRoute, parseRoute, type Route } from '../logic/routes.ts';

export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, () => session.state);
}

export function useConnection(): ConnectionState {
  return useSyncExternalStore(connection.subscribe, () => connection.state);
}

const routeListeners = new Set<() => void>();
let currentRoute = parseRoute(window.location.pathname, window.location.search);
window.addEventListener('popstate', () => {
  currentRoute = parseRoute(window.location.pathname, window.location.search);
  for (const l of routeListeners) l();
});

export function useRoute(): Route {
  return useSyncExternalStore((l) => {
    routeListeners.add(l);
    return () => routeListeners.delete(l);
  }, () => currentRoute);
}

export function navigate(route: Route, replace = false): void {
  const url = formatRoute(route);
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  currentRoute = parseRoute(window.location.pathname, window.location.search);
  for (const l of routeListeners) l();
}

export function currentRouteNow(): Route {
  return currentRoute;
}

/** The time, ticking every `ms` (the SLA countdowns). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
