import { defineConfig } from 'vitest/config';

// Live tests change the machine itself (swap devices, zram, cgroups, busy loops): two of them at
// once would see each other's devices and load. They run one file at a time, beside the rest.
const live = 'test/live/**/*.test.ts';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: [live] } },
      { extends: true, test: { name: 'live', include: [live], fileParallelism: false } },
    ],
  },
});
