/** The mediasoup-style logger: namespaced, taken over by setLogEventListeners, console by default. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { debugEnabled, Logger, setDebugNamespaces, setDebugOutput, setLogEventListeners } from '../src/logger.js';

afterEach(() => {
  setLogEventListeners();
  setDebugNamespaces(undefined);
  vi.restoreAllMocks();
});

describe('Logger', () => {
  it('namespaces every line under callmos', () => {
    expect(new Logger('server:audio-stream').namespace).toBe('callmos:server:audio-stream');
    expect(new Logger().namespace).toBe('callmos');
  });

  it('hands every level to the listeners the app set, debug lines included, and nothing to the console', () => {
    const seen: unknown[][] = [];
    const console_ = [vi.spyOn(console, 'debug'), vi.spyOn(console, 'warn'), vi.spyOn(console, 'error')];
    setLogEventListeners({
      ondebug: (...a) => seen.push(['debug', ...a]),
      onwarn: (...a) => seen.push(['warn', ...a]),
      onerror: (...a) => seen.push(['error', ...a]),
    });
    const log = new Logger('test');
    const boom = new Error('boom');
    log.debug('d');
    log.warn('w');
    log.error('e', boom);
    log.error('not an Error', 'a string');
    expect(seen.slice(0, 3)).toEqual([
      ['debug', 'callmos:test', 'd'],
      ['warn', 'callmos:test', 'w'],
      ['error', 'callmos:test', 'e', boom],
    ]);
    expect(seen[3]![3]).toBeInstanceOf(Error);
    expect((seen[3]![3] as Error).message).toBe('a string');
    for (const spy of console_) expect(spy).not.toHaveBeenCalled();
  });

  it('drops a level the app gave no listener for', () => {
    const warn = vi.spyOn(console, 'warn');
    setLogEventListeners({ onerror: () => undefined });
    new Logger('test').warn('w');
    expect(warn).not.toHaveBeenCalled();
  });

  it('ignores a listener that throws: logging never breaks the code that logs', () => {
    setLogEventListeners({ onwarn: () => { throw new Error('listener bug'); } });
    expect(() => new Logger('test').warn('w')).not.toThrow();
  });

  it('by default writes warnings and errors to the console and drops debug lines', () => {
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const log = new Logger('test');
    const boom = new Error('boom');
    log.debug('d');
    log.warn('w');
    log.error('e', boom);
    expect(debug).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith('callmos:test w');
    expect(error).toHaveBeenCalledWith('callmos:test e', boom);
  });

  it('prints debug lines of the namespaces setDebugNamespaces enables (debug-package syntax)', () => {
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined);
    setDebugNamespaces('callmos:server:*,-callmos:server:audio-stream');
    new Logger('server:audio-stream').debug('no');
    new Logger('server:quality-monitor').debug('yes');
    new Logger('node:models').debug('no');
    expect(debug.mock.calls).toEqual([['callmos:server:quality-monitor yes']]);
    expect(debugEnabled('callmos:server:metrics')).toBe(true);
    setDebugNamespaces('callmos:*');
    expect(debugEnabled('callmos:node:models')).toBe(true);
    expect(debugEnabled('other:thing')).toBe(false);
    setDebugNamespaces('');
    expect(debugEnabled('callmos:node:models')).toBe(false);
  });

  it('prints enabled debug lines where the host says (setDebugOutput), e.g. stderr in node', () => {
    const lines: string[] = [];
    setDebugOutput((line) => lines.push(line));
    setDebugNamespaces('callmos:*');
    new Logger('node:models').debug('to the host');
    expect(lines).toEqual(['callmos:node:models to the host']);
    setDebugOutput((line) => console.debug(line));
  });
});
