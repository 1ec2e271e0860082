import { defineConfig } from 'vitest/config';

// Unit and integration tests live beside the code (`*.test.ts`) or under test/ mirroring the
// source tree. End-to-end browser tests (test/e2e) need a built console and Chromium; they run
// as their own project so `npm test` can report them separately.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src-main/**/*.test.ts', 'src-shared/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/reliability/**', 'test/security/**', 'node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'system',
          include: ['test/reliability/**/*.test.ts', 'test/security/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 60_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
