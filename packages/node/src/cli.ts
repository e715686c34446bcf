#!/usr/bin/env node
/** The `callmos` command (package.json "bin"). All logic lives in ./cli/. */
import { runCli } from './cli/main.js';
import { applyDebugEnv } from './debug-env.js';

applyDebugEnv();
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`callmos: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
