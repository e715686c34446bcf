/**
 * The server benches' TypeScript entry points (packages/server/bench/*.ts) bundled into one plain-Node ESM
 * file each, so a measured process runs as a user's server does: compiled JavaScript on node, the packages
 * from their dist. Under vite-node (how the benches ran before) the process also held vite's module graph and
 * transform caches: a 35 MB heap instead of 20, which V8 marked on every full collection, and on the
 * scale curve tiny lost ~20 streams per core to it.
 *
 * Packages stay imports (node resolves them from the root's node_modules); the project's own helpers the
 * entry imports (test/helpers, examples/lib) are bundled in. The file lands in bench/out/, two levels below
 * the root, where examples/lib's helpers find the root at '../../' as from their own place.
 */
import path from 'node:path';
import { ROOT } from './common.mjs';

const built = new Map();

/** Bundles `entry` (a path under the root) to bench/out/<name>.mjs once per run; resolves to the file. */
export function bundleForNode(entry, name) {
  if (!built.has(entry)) {
    const outfile = path.join(ROOT, 'bench', 'out', `${name}.mjs`);
    built.set(
      entry,
      import('esbuild').then(({ build }) =>
        build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error' }).then(() => outfile),
      ),
    );
  }
  return built.get(entry);
}
