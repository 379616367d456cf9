// Build of the admin single-page app: `npm run build:admin` → dist/admin, served by the API at /app
// (index.html is the fallback for client-side routes, hashed files under /app/assets are immutable).
import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const adminDir = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/admin', import.meta.url));

export default defineConfig({
  root: adminDir,
  base: '/app/',
  publicDir: false,
  plugins: [preact()],
  // `npx vite --config admin/vite.config.ts` serves the SPA with hot reload; the API runs apart
  // (`npm run api`, port 3000 by default, or ADMIN_DEV_API) and is reached through this proxy.
  server: { proxy: { '/v1': process.env.ADMIN_DEV_API ?? 'http://127.0.0.1:3000' } },
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: true,
    // Every browser that runs ES2022 supports modulepreload; the polyfill only adds bytes.
    modulePreload: { polyfill: false },
  },
});
