/**
 * Serves the Action Center (web/, built to web/dist by scripts/build-web.ts) under `/`, with a
 * Content Security Policy: scripts, styles and connections from this origin only (the bundle
 * has everything; nothing comes from a CDN), no framing, no plugins. Any path that is not a
 * file, GraphQL or an API endpoint gets index.html, so deep links (/bookings?card=…) survive a
 * reload. Hashed assets are cached for a year; index.html never.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';

export const WEB_DIST = path.resolve(import.meta.dirname, '../../web/dist');

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  // Same-origin fetches and the graphql-ws socket (CSP 3: 'self' covers ws: / wss: of this host).
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

/** Paths the app never answers: they belong to the API. */
const API_PATHS = /^\/(graphql|api|metrics)(\/|$)/;

export function webAppRouter(distDir: string = WEB_DIST): Router {
  const router = express.Router();
  const index = path.join(distDir, 'index.html');
  router.use((req, res, next) => {
    if (API_PATHS.test(req.path)) return next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    next();
  });
  router.use('/assets', express.static(path.join(distDir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }));
  router.use(express.static(distDir, { index: false, maxAge: 0 }));
  router.get(/.*/, (req, res, next) => {
    if (API_PATHS.test(req.path) || !req.accepts('html')) return next();
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The web app is not built: run `node scripts/build-web.ts` (npm start and npm test do).');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
