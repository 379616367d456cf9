// Build of the inquiry form: `npm run build:widget` → dist/widget/w-form.js, one minified ES
// module with Preact bundled in. The tracker (w.js) imports it lazily, next to itself, only on
// pages that have a `[data-porchlight-form]` or call `porchlight('open')`. Budget: 8 KB gzip
// (widget/size.test.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  publicDir: false,
  logLevel: 'warn',
  // JSX through Preact's h() (the sources say `@jsxRuntime classic`): render() needs h() anyway,
  // and the automatic runtime's jsx() would be a second element factory in the bundle.
  oxc: { jsx: { runtime: 'classic', pragma: 'h', pragmaFrag: 'Fragment' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/widget', import.meta.url)),
    // The tracker build writes w.js to the same folder; neither may wipe the other.
    emptyOutDir: false,
    // ES2020, as the tracker: Chrome 80, Firefox 74, Safari 13.1 and later.
    target: 'es2020',
    minify: true,
    sourcemap: false,
    reportCompressedSize: false,
    lib: {
      entry: fileURLToPath(new URL('./form/main.tsx', import.meta.url)),
      formats: ['es'],
      fileName: () => 'w-form.js',
    },
    rolldownOptions: {
      // Vite leaves library `es` output unminified in whitespace (and keeps annotations) so that
      // a consumer's bundler can tree-shake it; w-form.js goes to browsers as it is, so minify
      // it fully and drop every comment.
      output: { minify: true, comments: false },
    },
  },
});
