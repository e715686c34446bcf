/**
 * The node host's debug switch: core's logger prints debug lines of the namespaces DEBUG names, in the
 * `debug` package's syntax (`DEBUG=callmos:*`, `DEBUG=callmos:server:*,-callmos:server:audio-stream`).
 * Read once, when @callmos/node is first imported; an app may call setDebugNamespaces later to change it.
 */
import { setDebugNamespaces } from '@callmos/core';

export function applyDebugEnv(): void {
  const pattern = process.env.DEBUG;
  if (pattern) setDebugNamespaces(pattern);
}
