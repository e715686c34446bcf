import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources; the CLI tests run the built bin (npm test builds first).
    // (Subpaths first: an alias also matches the paths under it, and the first match wins.)
    alias: {
      '@callmos/core/dsp': src('./packages/core/src/dsp/index.ts'),
      '@callmos/core/pipeline': src('./packages/core/src/pipeline.ts'),
      '@callmos/core': src('./packages/core/src/index.ts'),
      '@callmos/node': src('./packages/node/src/index.ts'),
      '@callmos/server': src('./packages/server/src/index.ts'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    // One file at a time: the browser, mediasoup and demo tests run audio in real time, and on a 2-core
    // machine two of them side by side starve each other (missed p99 latency and browser-vs-CLI bounds
    // were seen only when files ran in parallel).
    fileParallelism: false,
  },
});
