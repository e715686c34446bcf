#!/usr/bin/env node
// The `callmos` command. This file is committed (dist/ is not) so that npm links the bin when it installs
// the workspace, before `npm run build` has made dist/cli.js; it only hands over to the built CLI.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(`callmos: ${fileURLToPath(cli)} is missing: build the packages first (npm run build)\n`);
  process.exit(1);
}
await import(cli.href);
