import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard is built into dist/web, next to the compiled server, so `npm ci && npm start`
// serves it with no further step. Everything is bundled: no CDN, no external font, no request
// leaves the origin (SPEC §12: the reference's CDN Chart.js left every panel empty offline).
// `npx vite --config web/vite.config.ts`: the page with hot reload, its API calls passed on to a
// running server (HEADROOM_URL, default http://127.0.0.1:7700).
const api = process.env.HEADROOM_URL ?? 'http://127.0.0.1:7700';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: 'public',
  logLevel: 'warn',
  server: {
    proxy: {
      '/api': api,
      '/openapi.json': api,
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true },
    },
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No inline polyfill script: the page runs under `script-src 'self'`.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
