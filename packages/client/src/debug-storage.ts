/**
 * The browser host's debug switch, as the `debug` package has it: `localStorage.debug = 'callmos:*'`
 * (then reload) makes core's logger print debug lines of those namespaces to the console. Read once,
 * when @callmos/client is first imported; an app may call setDebugNamespaces later to change it.
 * (The inference worker has its own copy of core, whose warnings and errors go to the worker's console.)
 */
import { setDebugNamespaces } from '@callmos/core';

export function applyDebugStorage(): void {
  let pattern: string | null | undefined;
  try {
    pattern = globalThis.localStorage?.getItem('debug');
  } catch {
    // Storage access throws in sandboxed frames and under strict privacy settings: debug stays off.
    return;
  }
  if (pattern) setDebugNamespaces(pattern);
}
