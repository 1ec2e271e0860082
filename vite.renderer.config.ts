import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The console alone, for machines where electron-vite cannot run; same output as its renderer build.
export default defineConfig({
  root: resolve(import.meta.dirname, 'src-renderer'),
  base: '/',
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, 'out/renderer'),
    emptyOutDir: true,
    // The service worker is its own entry at the root (/sw.js): its scope is the whole console.
    rollupOptions: {
      input: { index: resolve(import.meta.dirname, 'src-renderer/index.html'), sw: resolve(import.meta.dirname, 'src-renderer/sw.ts') },
      output: { entryFileNames: (c) => (c.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
    },
  },
});
