/**
 * The web app's sign-in (the Action Center at `/`): the same sessions as the `login`,
 * `refreshSession` and `logout` mutations (api/auth/sessions.ts), but the refresh token lives in
 * an HttpOnly, SameSite=Strict cookie scoped to this path, so page scripts never see it and it
 * survives a reload; the access token is returned to the page, which keeps it in memory only.
 *
 *   POST /api/v1/web-session           {email, password} → signs in, sets the cookie
 *   POST /api/v1/web-session/refresh   rotates the cookie's refresh token → a fresh access token
 *   POST /api/v1/web-session/logout    {everywhere?} → ends this session (or all of the user's)
 *
 * Cross-site requests cannot use the cookie (SameSite=Strict) and every call needs the
 * `X-Virel-Web` header, which no form can send and CORS does not allow from other origins.
 */
import express, { type Request, type Response, type Router } from 'express';
import { DomainError, invalidRequest, unauthenticated } from '../../domain/errors.ts';
import type { ClientInfo, Session, Sessions } from '../auth/sessions.ts';

export const WEB_SESSION_PATH = '/api/v1/web-session';
export const REFRESH_COOKIE = 'virel_refresh';
const WEB_HEADER = 'x-virel-web';

const STATUS: Record<string, number> = { UNAUTHENTICATED: 401, RATE_LIMITED: 429, VALIDATION: 400, FORBIDDEN: 403 };

export interface WebSessionOptions {
  readonly sessions: Sessions;
  /** Marks the cookie Secure (production is served over HTTPS). */
  readonly secureCookie: boolean;
  /** What the page needs besides the token: where the Temporal UI is, for workflow links. */
  readonly temporalUi: { readonly url: string; readonly namespace: string } | undefined;
}

function cookieOf(req: Request): string | undefined {
  const header = req.header('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === REFRESH_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

export function webSessionRouter(options: WebSessionOptions): Router {
  const router = express.Router();
  const setCookie = (res: Response, value: string, expires: Date) => {
    res.cookie(REFRESH_COOKIE, value, {
      httpOnly: true, sameSite: 'strict', secure: options.secureCookie, path: WEB_SESSION_PATH, expires,
    });
  };
  const clearCookie = (res: Response) => res.clearCookie(REFRESH_COOKIE, { httpOnly: true, sameSite: 'strict', secure: options.secureCookie, path: WEB_SESSION_PATH });
  const clientOf = (req: Request): ClientInfo => ({ ip: req.ip ?? null, userAgent: req.header('user-agent') ?? null });
  const answer = (res: Response, session: Session) => {
    setCookie(res, session.refreshToken, session.refreshTokenExpiresAt);
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      accessToken: session.accessToken,
      accessTokenExpiresAt: session.accessTokenExpiresAt.toISOString(),
      user: { id: session.user.id, email: session.user.email, name: session.user.name, roles: session.user.roles, permissions: session.user.permissions },
      temporalUi: options.temporalUi ?? null,
    });
  };
  const refuse = (res: Response, error: unknown) => {
    if (!(error instanceof DomainError)) throw error;
    if (error.code === 'UNAUTHENTICATED') clearCookie(res);
    res.status(STATUS[error.code] ?? 400).json({ error: { code: error.code, message: error.message, ...error.details } });
  };

  router.use(express.json({ limit: 4096 }));
  router.use((req, res, next) => {
    if (req.header(WEB_HEADER) !== '1') {
      refuse(res, invalidRequest(`Send the ${WEB_HEADER}: 1 header (the web app does).`));
      return;
    }
    next();
  });

  router.post('/', async (req, res) => {
    const { email, password } = (req.body ?? {}) as { email?: unknown; password?: unknown };
    if (typeof email !== 'string' || typeof password !== 'string' || !email || !password) {
      return refuse(res, invalidRequest('Enter your email and password.', { field: typeof email === 'string' && email ? 'password' : 'email' }));
    }
    try {
      answer(res, await options.sessions.login(email, password, clientOf(req)));
    } catch (error) {
      refuse(res, error);
    }
  });

  router.post('/refresh', async (req, res) => {
    const token = cookieOf(req);
    try {
      if (!token) throw unauthenticated('Not signed in.', 'missing');
      answer(res, await options.sessions.refresh(token, clientOf(req)));
    } catch (error) {
      refuse(res, error);
    }
  });

  router.post('/logout', async (req, res) => {
    const token = cookieOf(req);
    const everywhere = (req.body as { everywhere?: unknown } | undefined)?.everywhere === true;
    if (token) {
      if (everywhere) {
        // Whose token it is comes from rotating it: a stolen, already spent token ends its family instead.
        try {
          const session = await options.sessions.refresh(token, clientOf(req));
          await options.sessions.revokeUser(session.user.id, 'signed out everywhere');
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
        }
      } else {
        await options.sessions.logout(token);
      }
    }
    clearCookie(res);
    res.status(204).end();
  });
  return router;
}
