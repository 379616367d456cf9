// Build of the tracker: `npm run build:widget` → dist/widget/w.js, one minified IIFE (a classic
// script, so document.currentScript works). The form is a separate build (vite.form.config.ts):
// an IIFE build would inline a dynamic import() of it, and Preact with it.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/widget', import.meta.url)),
    // The form build writes to the same folder; neither may wipe the other.
    emptyOutDir: false,
    // ES2020 (optional chaining): Chrome 80, Firefox 74, Safari 13.1 and later.
    target: 'es2020',
    minify: true,
    sourcemap: false,
    reportCompressedSize: false,
    lib: {
      entry: fileURLToPath(new URL('./tracker/main.ts', import.meta.url)),
      formats: ['iife'],
      name: 'porchlightTracker',
      fileName: () => 'w.js',
    },
  },
});
