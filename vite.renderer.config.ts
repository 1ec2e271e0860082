import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The console alone, for machines where electron-vite cannot run; same output as its renderer build.
export default defineConfig({
  root: resolve(import.meta.dirname, 'src-renderer'),
  base: '/',
  plugins: [react()],
  build: { outDir: resolve(import.meta.dirname, 'out/renderer'), emptyOutDir: true },
});
