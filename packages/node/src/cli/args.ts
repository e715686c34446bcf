import { parseArgs } from 'node:util';
import { CallmosError } from '@callmos/core';
import type { ProviderPreference } from '../backend.js';

export type OutputFormat = 'csv' | 'json' | 'ndjson';
/** silero: the energy gate and the Silero speech detector (a hum, tone or music is not speech); energy: the gate alone */
export type VadMode = 'silero' | 'energy';

export interface ScoreCommand {
  command: 'score';
  inputs: string[];
  model?: string;
  format: OutputFormat;
  output?: string;
  threads?: number;
  provider: ProviderPreference;
  /** per-window rows (csv) or lines (ndjson) instead of one per file */
  timeline: boolean;
  /** write a self-contained HTML report of MOS over time to this path */
  html?: string;
  vad: VadMode;
}

export type CliCommand = ScoreCommand | { command: 'models' } | { command: 'help' } | { command: 'version' };

/** A command line that cannot run: exit code 2 with the message and a pointer to --help. */
export class UsageError extends CallmosError<'USAGE_INVALID'> {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super('USAGE_INVALID', message);
  }
}

const FORMATS: readonly OutputFormat[] = ['csv', 'json', 'ndjson'];
const PROVIDERS: readonly ProviderPreference[] = ['auto', 'cpu', 'cuda'];
const VAD_MODES: readonly VadMode[] = ['silero', 'energy'];

export function parseCommandLine(argv: readonly string[]): CliCommand {
  // biome-ignore lint/suspicious/noImplicitAnyLet: parseArgs's result type, inferred from the options given to it below
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
        model: { type: 'string', short: 'm' },
        format: { type: 'string', short: 'f' },
        output: { type: 'string', short: 'o' },
        threads: { type: 'string', short: 't' },
        provider: { type: 'string' },
        timeline: { type: 'boolean' },
        html: { type: 'string' },
        vad: { type: 'string' },
      },
    });
  } catch (err) {
    // parseArgs explains unknown options and missing values well; drop its error-code prefix noise
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  if (values.version) return { command: 'version' };

  const [command, ...rest] = positionals;
  switch (command) {
    case undefined:
      throw new UsageError('no command given');
    case 'help':
      return { command: 'help' };
    case 'models':
      if (rest.length > 0) throw new UsageError(`"models" takes no arguments, got ${rest.join(' ')}`);
      rejectScoreOptions(values, 'models');
      return { command: 'models' };
    case 'score':
      if (rest.length === 0) throw new UsageError('"score" needs at least one file or directory');
      if (rest.filter((input) => input === '-').length > 1) throw new UsageError('"-" (stdin) can be given only once');
      return {
        command: 'score',
        inputs: rest,
        model: values.model,
        format: oneOf('--format', values.format ?? 'csv', FORMATS),
        output: values.output,
        threads: values.threads === undefined ? undefined : positiveInteger('--threads', values.threads),
        provider: oneOf('--provider', values.provider ?? 'auto', PROVIDERS),
        timeline: values.timeline ?? false,
        html: values.html,
        vad: oneOf('--vad', values.vad ?? 'silero', VAD_MODES),
      };
    default:
      throw new UsageError(`unknown command "${command}" (commands: score, models)`);
  }
}

function rejectScoreOptions(values: Record<string, unknown>, command: string): void {
  const given = ['model', 'format', 'output', 'threads', 'provider', 'timeline', 'html', 'vad'].filter((k) => values[k] !== undefined);
  if (given.length > 0) throw new UsageError(`"${command}" does not take ${given.map((k) => `--${k}`).join(', ')}`);
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${option} must be ${allowed.join(' or ')}, got "${value}"`);
}

function positiveInteger(option: string, value: string): number {
  const n = Number(value);
  if (/^\d+$/.test(value) && Number.isSafeInteger(n) && n >= 1) return n;
  throw new UsageError(`${option} must be a positive integer, got "${value}"`);
}
