/** The Node CLI (`callmos score`, built) on a file: the reference the browser's scores must match. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../../node/dist/cli.js', import.meta.url));

export interface CliWindow {
  start: number;
  end: number;
  scored: boolean;
  mos: number | null;
}

export interface CliResult {
  mos: number | null;
  windows: number;
  windowScores: CliWindow[];
}

export function cliScore(file: string, modelDir: string): CliResult {
  return cliScoreAll([file], modelDir)[0]!;
}

/** One CLI run over several files (one model load): results in the order of `files`. */
export function cliScoreAll(files: string[], modelDir: string): CliResult[] {
  const r = spawnSync(process.execPath, [CLI, 'score', ...files, '--model', modelDir, '--format', 'json', '--provider', 'cpu', '--threads', '1'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`callmos score failed (${r.status}): ${r.stderr}`);
  const results = JSON.parse(r.stdout) as (CliResult & { file: string })[];
  return files.map((f) => {
    const found = results.find((x) => x.file === f);
    if (!found) throw new Error(`callmos score printed no result for ${f}`);
    return found;
  });
}
