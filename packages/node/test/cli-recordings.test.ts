/**
 * The built `callmos` bin on compressed recordings made by ffmpeg: each format scores close to the WAV it
 * was made from, `-` reads stdin, NDJSON with --timeline streams window lines, --html writes a standalone
 * report, and a bad file among good ones is one error line, counted, while the others are still scored.
 * Needs the build and ffmpeg (skipped, saying so, without).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpeg, ffmpegPath } from './helpers/tools.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const speech = fileURLToPath(new URL('../../../models/fixtures/clean-tts.wav', import.meta.url));
/**
 * Lossy codecs at speech bitrates change the MOS a little (measured on this clip with the default model
 * small@1.3.0: WAV 2.427, Opus 32 kb/s 2.509 (+0.08), MP3 64 kb/s 2.639 (+0.21)); 0.4 leaves room across
 * models and encoder versions while staying far below the gap between clean and degraded speech (1.5-2).
 */
const MOS_TOLERANCE = 0.4;

if (!ffmpegPath) console.warn('cli-recordings.test.ts: ffmpeg not found, skipping');

function callmos(args: string[], input?: Uint8Array) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', input, timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe.skipIf(!ffmpegPath || !existsSync(cli))('callmos score on recordings', () => {
  let dir: string;
  const files: Record<string, string> = {};
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'callmos-cli-rec-'));
    const make = (name: string, options: string[]) => {
      files[name] = join(dir, name);
      ffmpeg(['-i', speech, ...options, files[name]]);
    };
    make('call.ogg', ['-c:a', 'libopus', '-b:a', '32k']);
    make('call.webm', ['-c:a', 'libopus', '-b:a', '32k']);
    make('call.mp3', ['-c:a', 'libmp3lame', '-b:a', '64k']);
    make('call.m4a', ['-c:a', 'aac']);
    files['broken.webm'] = join(dir, 'broken.webm');
    writeFileSync(files['broken.webm'], readFileSync(files['call.webm']).subarray(0, 3000));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('scores .ogg, .webm and .mp3 close to the WAV', () => {
    const run = callmos(['score', speech, files['call.ogg'], files['call.webm'], files['call.mp3'], '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const rows = JSON.parse(run.stdout) as Array<{ file: string; mos: number }>;
    const [wav, ...coded] = rows;
    console.log(`cli-recordings: MOS ${rows.map((r) => `${r.file.split('/').pop()} ${r.mos.toFixed(3)}`).join(', ')}`);
    for (const row of coded) expect(Math.abs(row.mos - wav.mos), row.file).toBeLessThanOrEqual(MOS_TOLERANCE);
  });

  it('reads - from stdin, sniffing the format', () => {
    const fromPath = callmos(['score', files['call.ogg']]);
    const fromStdin = callmos(['score', '-'], readFileSync(files['call.ogg']));
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(fromStdin.stdout).toBe(fromPath.stdout.replace(files['call.ogg'], '-'));
  });

  it('streams NDJSON window lines with --timeline, then the file line', () => {
    const run = callmos(['score', files['call.webm'], files['call.mp3'], '--format', 'ndjson', '--timeline']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    const types = lines.map((l) => `${l.type}:${l.file === files['call.webm'] ? 'webm' : 'mp3'}`);
    const windows = lines.filter((l) => l.type === 'window' && l.file === files['call.webm']);
    expect(types).toEqual([...windows.map(() => 'window:webm'), 'file:webm', ...windows.map(() => 'window:mp3'), 'file:mp3']);
    const fileLine = lines.find((l) => l.type === 'file' && l.file === files['call.webm']);
    const scored = windows.filter((w) => w.scored);
    expect(fileLine.windows).toBe(scored.length);
    expect(fileLine.mos).toBeCloseTo(scored.reduce((s, w) => s + w.mos, 0) / scored.length, 3);
    expect(windows[0]).toMatchObject({ start: 0, scored: true });
    expect(Object.keys(windows[0].dims).length).toBeGreaterThan(0);
    // a window under 'good' names its cause, one over it does not
    for (const w of scored) expect(w.mos < 3.4 ? typeof w.cause : w.cause).toBe(w.mos < 3.4 ? 'string' : undefined);
  });

  it('writes a CSV row per window with --timeline', () => {
    const run = callmos(['score', files['call.ogg'], '--timeline']);
    expect(run.code, run.stderr).toBe(0);
    const [header, ...rows] = run.stdout.trim().split('\n');
    expect(header).toMatch(/^file,start,end,scored,mos,.*,speech_ratio,cause$/);
    expect(rows.length).toBeGreaterThan(3);
    expect(rows[0]).toMatch(new RegExp(`^${files['call.ogg'].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')},0,\\d`));
  });

  it('writes a self-contained HTML report with --html', () => {
    const html = join(dir, 'report.html');
    const run = callmos(['score', files['call.webm'], '--html', html, '--format', 'ndjson']);
    expect(run.code, run.stderr).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<svg');
    expect(page).toContain('call.webm');
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/); // nothing fetched
    const windows = callmos(['score', files['call.webm'], '--format', 'ndjson', '--timeline']).stdout.trim().split('\n').length - 1;
    expect(page.match(/<circle /g)?.length).toBe(windows);
  });

  it('reports a bad file and an M4A on one line each, counts them, and scores the rest', () => {
    const run = callmos(['score', files['broken.webm'], files['call.m4a'], files['call.ogg']]);
    expect(run.code).toBe(1);
    const errors = run.stderr.split('\n').filter((l) => l.startsWith('callmos: error:'));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(new RegExp(`^callmos: error: ${files['broken.webm'].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated WebM`));
    expect(errors[1]).toMatch(/call\.m4a: unsupported MP4\/M4A \(AAC\).*ffmpeg -i/);
    expect(run.stderr).toContain('scored 1 of 3 files, 2 failed');
    expect(run.stdout.trim().split('\n')).toHaveLength(2); // header + call.ogg
  });

  it('rejects "-" twice as a usage error', () => {
    expect(callmos(['score', '-', '-']).code).toBe(2);
  });
});
