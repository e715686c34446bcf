/**
 * callmos's logging, modelled on mediasoup's Logger: each module logs under its namespace
 * (`callmos:server:audio-stream`) at debug, warn or error, and the app takes the output over with
 * setLogEventListeners (mediasoup's name and listener shapes, so one adapter serves both).
 *
 * Core does no I/O, so the default output is the console, which every JavaScript runtime has:
 * warnings and errors are written there, debug lines are dropped unless their namespace is enabled with
 * setDebugNamespaces. The hosts enable it from their environment (@callmos/node and @callmos/server read
 * DEBUG, @callmos/client reads localStorage.debug, as the `debug` package does), so
 * `DEBUG=callmos:* node app.js` shows everything; the node host also sends debug lines to stderr
 * (setDebugOutput), since console.debug writes to stdout there, which carries the CLI's results.
 *
 * Logging never throws into the code that logs: a listener that throws is ignored (as mediasoup does),
 * since the alternative would be a log line taking down the stream it was about.
 */

export interface LogEventListeners {
  ondebug?: (namespace: string, log: string) => void;
  onwarn?: (namespace: string, log: string) => void;
  onerror?: (namespace: string, log: string, error?: Error) => void;
}

const APP_NAME = 'callmos';

/** The default output: the console, debug lines only for enabled namespaces. */
const consoleListeners: Required<LogEventListeners> = {
  ondebug: (namespace, log) => {
    if (debugEnabled(namespace)) debugOutput(`${namespace} ${log}`);
  },
  onwarn: (namespace, log) => console.warn(`${namespace} ${log}`),
  onerror: (namespace, log, error) => (error ? console.error(`${namespace} ${log}`, error) : console.error(`${namespace} ${log}`)),
};

let listeners: LogEventListeners = consoleListeners;
let debugOutput: (line: string) => void = (line) => console.debug(line);
let debugPatterns: { include: RegExp[]; exclude: RegExp[] } = { include: [], exclude: [] };

/**
 * Sends callmos's logs to the app instead of the console. Only the given listeners are called (a level
 * without one is dropped); debug lines all reach `ondebug`, whatever setDebugNamespaces says. Called with
 * no argument, restores the default console output.
 *
 * @example
 * setLogEventListeners({
 *   onwarn: (namespace, log) => myLogger.warn(`${namespace} ${log}`),
 *   onerror: (namespace, log, error) => myLogger.error(`${namespace} ${log}`, error),
 * });
 */
export function setLogEventListeners(newListeners?: LogEventListeners): void {
  listeners = newListeners ? { ...newListeners } : consoleListeners;
}

/**
 * Which namespaces the default console output prints debug lines for, in the `debug` package's syntax:
 * names separated by commas or spaces, `*` matching anything, a leading `-` excluding
 * (`callmos:*,-callmos:server:audio-stream`). Empty or undefined: none (the default).
 */
export function setDebugNamespaces(pattern: string | undefined): void {
  const include: RegExp[] = [];
  const exclude: RegExp[] = [];
  for (const part of (pattern ?? '').split(/[\s,]+/)) {
    if (part === '' || part === '-') continue;
    const negated = part.startsWith('-');
    const body = (negated ? part.slice(1) : part).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*?');
    (negated ? exclude : include).push(new RegExp(`^${body}$`));
  }
  debugPatterns = { include, exclude };
}

/** Where the default output prints enabled debug lines (default console.debug): for hosts, see the module comment. */
export function setDebugOutput(print: (line: string) => void): void {
  debugOutput = print;
}

/** Whether the default console output prints debug lines of `namespace`. */
export function debugEnabled(namespace: string): boolean {
  const { include, exclude } = debugPatterns;
  return include.some((re) => re.test(namespace)) && !exclude.some((re) => re.test(namespace));
}

/** A module's logger. `new Logger('server:audio-stream')` logs as `callmos:server:audio-stream`. */
export class Logger {
  readonly namespace: string;

  constructor(prefix?: string) {
    this.namespace = prefix ? `${APP_NAME}:${prefix}` : APP_NAME;
  }

  debug(log: string): void {
    deliver(() => listeners.ondebug?.(this.namespace, log));
  }

  warn(log: string): void {
    deliver(() => listeners.onwarn?.(this.namespace, log));
  }

  /** `error` is what was caught; a non-Error value is wrapped so listeners always get an Error. */
  error(log: string, error?: unknown): void {
    const err = error === undefined || error instanceof Error ? error : new Error(String(error));
    deliver(() => listeners.onerror?.(this.namespace, log, err));
  }
}

function deliver(call: () => void): void {
  try {
    call();
  } catch {
    // A listener that throws must not break the code that logged (see the module comment).
  }
}
