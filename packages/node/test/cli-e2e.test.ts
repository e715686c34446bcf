/**
 * The built `callmos` bin end to end, on a folder of generated clips. Runs against the core contract
 * fixture graph always, and against the shipped `tiny` model once it is installed (models/tiny). Needs
 * the build (`npm test` builds first) and espeak-ng + ffmpeg to make clips (skipped, saying so, without).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelsDir } from '@callmos/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClipFolder, type ClipFolder } from './helpers/clips.js';
import { espeakPath, ffmpeg, ffmpegPath } from './helpers/tools.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const packageVersion = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')).version;
const coreFixtures = fileURLToPath(new URL('../../core/test/fixtures/models/', import.meta.url));
const tinyInstalled = existsSync(join(modelsDir, 'tiny', 'model.onnx')) && existsSync(join(modelsDir, 'tiny', 'card.json'));
const canMakeClips = espeakPath !== null && ffmpegPath !== null;

if (!canMakeClips) console.warn('cli-e2e.test.ts: espeak-ng or ffmpeg missing, skipping the scoring runs');
if (!tinyInstalled) console.warn(`cli-e2e.test.ts: ${join(modelsDir, 'tiny')} not installed yet, skipping the --model tiny runs`);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function callmos(args: string[], cwd?: string): Run {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd, timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let work: string;
beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npm run build -w packages/core -w packages/node)`);
  work = mkdtempSync(join(tmpdir(), 'callmos-e2e-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('callmos basics', () => {
  it('--version prints the package version', () => {
    expect(callmos(['--version'])).toEqual({ code: 0, stdout: `${packageVersion}\n`, stderr: '' });
  });

  it('--help prints usage on stdout', () => {
    const run = callmos(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('callmos score <file|dir>...');
  });

  it('usage errors exit 2 with a pointer to --help', () => {
    for (const args of [[], ['score'], ['score', 'x.wav', '--format', 'xml'], ['frobnicate']]) {
      const run = callmos(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^callmos: .*\nRun "callmos --help" for usage\.\n$/);
    }
  });

  it('models lists the shipped models from their cards', () => {
    const run = callmos(['models']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^name\s+version\s+params\s+window\s+hop\s+dims\s+use\s+accuracy\n/);
    // each shipped card says what its model is for
    if (tinyInstalled) expect(run.stdout).toMatch(/^tiny\b.*weak devices, many tracks per page/m);
    expect(run.stdout).toMatch(/^tiny\b/m);
    if (tinyInstalled) expect(run.stdout).toMatch(/^tiny\s+\S+\s+[\d.]+ [kM]?\s*\s+4\.00 s\s+/m);
  });

  it('a model that cannot load is an error naming it, exit 1', () => {
    const run = callmos(['score', join(work, 'any.wav'), '--model', join(work, 'no-such-model/')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`callmos: error: ${join(work, 'no-such-model')}: no such model directory or .onnx file`);
  });
});

describe.skipIf(!canMakeClips)('callmos score on generated clips', () => {
  let clips: ClipFolder;
  beforeAll(() => {
    clips = makeClipFolder(join(work, 'clips'), join(work, 'intermediate'));
    // the core contract fixture as a model directory (random weights: numbers are meaningless, shapes real)
    mkdirSync(join(work, 'fixture-model'));
    copyFileSync(join(coreFixtures, 'tiny-ok.onnx'), join(work, 'fixture-model', 'model.onnx'));
    copyFileSync(join(coreFixtures, 'tiny-ok.card.json'), join(work, 'fixture-model', 'card.json'));
  }, 120_000);

  const models = [
    { label: 'the core fixture graph', arg: () => join(work, 'fixture-model'), real: false, skip: false },
    { label: 'the shipped tiny model', arg: () => 'tiny', real: true, skip: !tinyInstalled },
  ];

  for (const model of models) {
    describe.skipIf(model.skip)(`with ${model.label}`, () => {
      let dims: string[];
      let csv: Run;
      beforeAll(() => {
        const cardPath = model.real ? join(modelsDir, 'tiny', 'card.json') : join(work, 'fixture-model', 'card.json');
        dims = JSON.parse(readFileSync(cardPath, 'utf8')).outputs.dims?.names ?? [];
        csv = callmos(['score', clips.dir, '--model', model.arg(), '--threads', '1']);
      }, 300_000);

      it('writes CSV: header, one row per decodable file in sorted order', () => {
        const lines = csv.stdout.trimEnd().split('\n');
        expect(lines[0]).toBe(['file', 'mos', ...dims, 'windows', 'duration_s'].join(','));
        expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(clips.scorable.map((f) => join(clips.dir, f)));
        for (const line of lines.slice(1)) expect(line.split(',')).toHaveLength(dims.length + 4);
      });

      it('exits 1 and names the broken file in one error line, scoring the rest', () => {
        expect(csv.code).toBe(1);
        const errors = csv.stderr.split('\n').filter((line) => line.startsWith('callmos: error:'));
        const { claimed, present } = clips.brokenSizes;
        expect(errors).toEqual([
          `callmos: error: ${join(clips.dir, clips.broken)}: truncated WAV: header says ${claimed} bytes of data, file has ${present}`,
        ]);
        expect(csv.stderr).toContain(`callmos: scored ${clips.scorable.length} of ${clips.scorable.length + 1} files, 1 failed`);
        expect(csv.stderr).not.toMatch(/\n\s+at /); // no stack traces
      });

      it('reports progress as plain lines when stderr is not a terminal', () => {
        const total = clips.scorable.length + 1;
        expect(csv.stderr).toContain(`callmos: scored 1/${total}\n`);
        expect(csv.stderr).toContain(`callmos: scored ${total}/${total}\n`);
      });

      it('scores every speech clip, short ones by the repeat rule', () => {
        const rows = parseCsv(csv.stdout);
        for (const row of rows.filter((r) => !r.file.endsWith(clips.silent))) {
          expect(Number(row.mos)).toBeGreaterThanOrEqual(1);
          expect(Number(row.mos)).toBeLessThanOrEqual(5);
          expect(Number(row.windows)).toBeGreaterThanOrEqual(1);
          for (const dim of dims) expect(Number.isFinite(Number(row[dim]))).toBe(true);
        }
        const short = rows.find((r) => r.file.endsWith(clips.short))!;
        expect(Number(short.duration_s)).toBeCloseTo(0.4, 2);
        expect(Number(short.windows)).toBe(1);
      });

      it('leaves mos empty with windows 0 for a clip without speech, with a note', () => {
        const silent = parseCsv(csv.stdout).find((r) => r.file.endsWith(clips.silent))!;
        expect(silent.mos).toBe('');
        expect(silent.windows).toBe('0');
        expect(Number(silent.duration_s)).toBe(2);
        expect(csv.stderr).toContain(`callmos: note: ${join(clips.dir, clips.silent)}: no speech detected`);
      });

      it('writes JSON to -o with the same rows and per-window scores', () => {
        const out = join(work, `${model.real ? 'tiny' : 'fixture'}.json`);
        const run = callmos(['score', clips.dir, '--model', model.arg(), '--format', 'json', '-o', out]);
        expect(run.code).toBe(1);
        expect(run.stdout).toBe('');
        const rows = JSON.parse(readFileSync(out, 'utf8'));
        const csvRows = parseCsv(csv.stdout);
        expect(rows).toHaveLength(clips.scorable.length);
        rows.forEach((row: Record<string, unknown>, i: number) => {
          expect(Object.keys(row)).toEqual(['file', 'mos', ...dims, 'windows', 'duration_s', 'windowScores']);
          expect(row.mos === null ? '' : String(row.mos)).toBe(csvRows[i].mos);
          expect((row.windowScores as Array<{ scored: boolean }>).filter((w) => w.scored)).toHaveLength(row.windows as number);
        });
      });

      it('scores one good file with exit 0 and no progress lines', () => {
        const run = callmos(['score', join(clips.dir, 'clean.wav'), '--model', model.arg()]);
        expect(run.code).toBe(0);
        expect(run.stdout.trimEnd().split('\n')).toHaveLength(2);
        expect(run.stderr).not.toContain('scored 1/1');
      });
    });
  }

  it('a hum and pink noise are not speech (no mos, windows 0, a note); --vad energy scores them as before', () => {
    const dir = join(work, 'not-speech');
    mkdirSync(dir);
    ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=16000:duration=6', '-af', 'volume=-14dB', '-c:a', 'pcm_s16le', join(dir, 'hum.wav')]);
    ffmpeg(['-f', 'lavfi', '-i', 'anoisesrc=color=pink:amplitude=0.1:seed=3:sample_rate=16000:duration=6', '-c:a', 'pcm_s16le', join(dir, 'pink.wav')]);
    const run = callmos(['score', dir, '--model', join(work, 'fixture-model')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('speech: energy gate + silero-vad-v6');
    const rows = parseCsv(run.stdout);
    expect(rows.map((r) => [r.file, r.mos, r.windows])).toEqual([
      [join(dir, 'hum.wav'), '', '0'],
      [join(dir, 'pink.wav'), '', '0'],
    ]);
    for (const f of ['hum.wav', 'pink.wav']) expect(run.stderr).toContain(`callmos: note: ${join(dir, f)}: no speech detected`);
    const energyOnly = callmos(['score', dir, '--model', join(work, 'fixture-model'), '--vad', 'energy']);
    expect(energyOnly.stderr).toContain('speech: energy gate\n');
    expect(parseCsv(energyOnly.stdout).every((r) => r.mos !== '' && Number(r.windows) >= 5)).toBe(true);
  });

  it('the same audio as WAV and as stereo 48 kHz FLAC scores alike', () => {
    const run = callmos(['score', join(clips.dir, 'clean.wav'), join(clips.dir, 'clean-48k-stereo.flac'), '--model', join(work, 'fixture-model')]);
    const [wav, flac] = parseCsv(run.stdout);
    expect(Math.abs(Number(wav.mos) - Number(flac.mos))).toBeLessThan(0.05);
  });
});

/** Minimal CSV reader for callmos output (file names here need no quoting). */
function parseCsv(text: string): Array<Record<string, string>> {
  const [header, ...lines] = text.trimEnd().split('\n');
  const keys = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [keys[i], cell])));
}
