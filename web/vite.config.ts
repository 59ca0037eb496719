/**
 * Builds the Action Center to static files in web/dist, which the API serves under `/`
 * (api/http/web-app.ts). `npx vite web` serves it for development with /graphql and
 * /api proxied to a running platform (API_URL, default http://127.0.0.1:4000).
 */
import { defineConfig } from 'vite';

const api = process.env.API_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  // Vite's own JSX transform (oxc), React's automatic runtime: no plugin needed to build.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Everything is bundled: the app must work without reaching any CDN.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      '/graphql': { target: api, ws: true },
      '/api': api,
    },
  },
});
