/**
 * The dashboard's build: web/index.html and web/src → static files the api serves at `/`
 * (api/dashboard-build.ts runs `vite build` with this file and its own --outDir). Preact through
 * the automatic JSX runtime; no plugin needed.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    // A single small bundle; no inline scripts or styles (the api sends a strict CSP).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
