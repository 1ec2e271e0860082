import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// electron-vite expects src/main, src/preload and src/renderer by default; Gatehouse keeps the
// design card's layout, so every input is named here.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // storage-worker, page-worker and upgrade-worker: the storage threads, the page thread and the 0.1
      // upgrade's build thread, found beside index.js (src-main/storage/worker-file.ts).
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src-main/desktop/main.ts'),
          'storage-worker': resolve(__dirname, 'src-main/storage/worker.ts'),
          'page-worker': resolve(__dirname, 'src-main/services/page-worker.ts'),
          'policy-file-worker': resolve(__dirname, 'src-main/services/policy-file-worker.ts'),
          'secret-scan-worker': resolve(__dirname, 'src-main/services/secret-scan-worker.ts'),
          'upgrade-worker': resolve(__dirname, 'src-main/storage/legacy/upgrade-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload runs as a classic script: CommonJS, whatever the package's module type.
      rollupOptions: {
        input: { index: resolve(__dirname, 'src-main/desktop/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    plugins: [react()],
    build: {
      minify: true,
      outDir: resolve(__dirname, 'out/renderer'),
      // The service worker is its own entry at the root (/sw.js): its scope is the whole console.
      rollupOptions: {
        input: { index: resolve(__dirname, 'src-renderer/index.html'), sw: resolve(__dirname, 'src-renderer/sw.ts') },
        output: { entryFileNames: (c) => (c.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
      },
    },
  },
});
