/**
 * The node host's debug switch: core's logger prints debug lines of the namespaces DEBUG names, in the
 * `debug` package's syntax (`DEBUG=callmos:*`, `DEBUG=callmos:server:*,-callmos:server:audio-stream`),
 * to stderr as `debug` does (console.debug would write them to stdout, into the CLI's CSV). Read once,
 * when @callmos/node is first imported; an app may call setDebugNamespaces later to change it.
 */
import { setDebugNamespaces, setDebugOutput } from '@callmos/core';

export function applyDebugEnv(): void {
  setDebugOutput((line) => process.stderr.write(`${line}\n`));
  const pattern = process.env.DEBUG;
  if (pattern) setDebugNamespaces(pattern);
}
