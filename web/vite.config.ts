/**
 * The console's build: a static SPA in web/dist, served at / by `skydag dev` (local mode) and by
 * CloudFront (cloud). Heavy views (editor, charts, graph) are separate chunks loaded on demand, so the
 * first view stays small. `npm install` builds it (scripts/build-console.ts), and `skydag dev`
 * rebuilds it when web/ changed since the last build.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  // Vite 8 transforms TSX with oxc: React 17+ automatic runtime, no plugin needed for a production build.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    rolldownOptions: {
      // React libraries mark modules "use client" (for server components); a client-only bundle ignores it.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  // `npx vite web` for hot reload against a running `skydag dev` on :8080.
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
