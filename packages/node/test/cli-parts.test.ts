import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../src/cli/args.js';
import type { FileScore } from '../src/cli/file-score.js';
import { findAudioFiles } from '../src/cli/find-audio-files.js';
import { summariseAccuracy } from '../src/cli/models-command.js';
import { Progress } from '../src/cli/progress.js';
import { renderHtmlReport } from '../src/cli/html-report.js';
import { createResultWriter, csvField } from '../src/cli/result-writer.js';

describe('parseCommandLine', () => {
  it('parses score with every option', () => {
    expect(parseCommandLine(['score', 'a.wav', 'dir', '--model', 'tiny', '--format', 'json', '-o', 'out.json', '--threads', '2', '--provider', 'cpu', '--vad', 'energy'])).toEqual({
      command: 'score',
      inputs: ['a.wav', 'dir'],
      model: 'tiny',
      format: 'json',
      output: 'out.json',
      threads: 2,
      provider: 'cpu',
      timeline: false,
      html: undefined,
      vad: 'energy',
    });
  });

  it('parses ndjson, --timeline, --html and - (stdin)', () => {
    expect(parseCommandLine(['score', '-', '--format', 'ndjson', '--timeline', '--html', 'r.html'])).toMatchObject({
      inputs: ['-'],
      format: 'ndjson',
      timeline: true,
      html: 'r.html',
    });
  });

  it('defaults to csv, auto provider, the default model', () => {
    expect(parseCommandLine(['score', 'x.wav'])).toEqual({ command: 'score', inputs: ['x.wav'], format: 'csv', provider: 'auto', vad: 'silero', model: undefined, output: undefined, threads: undefined, timeline: false, html: undefined });
  });

  it.each([
    [['--help'], 'help'],
    [['-h'], 'help'],
    [['help'], 'help'],
    [['score', '--help'], 'help'],
    [['--version'], 'version'],
    [['models'], 'models'],
  ])('%j -> %s', (argv, command) => {
    expect(parseCommandLine(argv).command).toBe(command);
  });

  it.each([
    [[], /no command given/],
    [['score'], /needs at least one file/],
    [['score', 'a.wav', '--format', 'xml'], /--format must be csv or json or ndjson, got "xml"/],
    [['score', '-', 'a.wav', '-'], /"-" \(stdin\) can be given only once/],
    [['models', '--timeline'], /does not take --timeline/],
    [['score', 'a.wav', '--threads', '0'], /--threads must be a positive integer, got "0"/],
    [['score', 'a.wav', '--threads', 'two'], /--threads must be a positive integer/],
    [['score', 'a.wav', '--provider', 'tpu'], /--provider must be auto or cpu or cuda/],
    [['score', 'a.wav', '--vad', 'webrtc'], /--vad must be silero or energy, got "webrtc"/],
    [['score', 'a.wav', '--bogus'], /Unknown option '--bogus'/],
    [['score', 'a.wav', '--model'], /--model/],
    [['models', 'extra'], /takes no arguments/],
    [['models', '--model', 'tiny'], /does not take --model/],
    [['rate'], /unknown command "rate"/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});

describe('result writers', () => {
  const dims = ['noisiness', 'coloration'];
  const scored: FileScore = {
    file: 'dir/a, b.wav',
    mos: 3.123456,
    dims: { noisiness: 2.5, coloration: 4.00004 },
    windows: 2,
    durationS: 1.23456,
    windowScores: [{ start: 0, end: 1, scored: true, mos: 3.1, dims: { noisiness: 2.5, coloration: 4 }, speechRatio: 0.9 }],
  };
  const silent: FileScore = {
    file: 'quiet.wav',
    mos: null,
    dims: {},
    windows: 0,
    durationS: 3,
    windowScores: [{ start: 0, end: 1, scored: false, reason: 'no-speech', mos: null, dims: {}, speechRatio: 0 }],
  };
  const render = (format: 'csv' | 'json') => {
    let out = '';
    const writer = createResultWriter(format, dims, (text) => (out += text));
    writer.add(scored);
    writer.add(silent);
    writer.finish();
    return out;
  };

  it('writes CSV: header file,mos,<dims>,windows,duration_s; quoted names; empty cells when not scored', () => {
    expect(render('csv')).toBe(
      'file,mos,noisiness,coloration,windows,duration_s\n"dir/a, b.wav",3.1235,2.5,4,2,1.235\nquiet.wav,,,,0,3\n',
    );
  });

  it('writes JSON: the same fields plus every window', () => {
    const rows = JSON.parse(render('json'));
    expect(rows).toHaveLength(2);
    expect(Object.keys(rows[0])).toEqual(['file', 'mos', 'noisiness', 'coloration', 'windows', 'duration_s', 'windowScores']);
    expect(rows[0]).toMatchObject({ file: 'dir/a, b.wav', mos: 3.1235, noisiness: 2.5, windows: 2, duration_s: 1.235 });
    expect(rows[1]).toMatchObject({ mos: null, noisiness: null, windows: 0 });
    expect(rows[1].windowScores[0]).toEqual({ start: 0, end: 1, scored: false, reason: 'no-speech', mos: null, dims: {}, speechRatio: 0 });
  });

  it('writes NDJSON: a file line each, window lines first with --timeline, nothing pretty-printed', () => {
    for (const timeline of [false, true]) {
      let out = '';
      const writer = createResultWriter('ndjson', dims, (text) => (out += text), { timeline });
      for (const w of scored.windowScores) writer.window(scored.file, w);
      writer.add(scored);
      writer.finish();
      const lines = out.trimEnd().split('\n').map((line) => JSON.parse(line));
      const fileLine = { type: 'file', file: 'dir/a, b.wav', mos: 3.1235, noisiness: 2.5, coloration: 4, windows: 2, duration_s: 1.235 };
      expect(lines).toEqual(
        timeline
          ? [{ type: 'window', file: 'dir/a, b.wav', start: 0, end: 1, scored: true, mos: 3.1, dims: { noisiness: 2.5, coloration: 4 }, speechRatio: 0.9 }, fileLine]
          : [fileLine],
      );
    }
  });

  it('writes a CSV row per window with --timeline, and none per file', () => {
    let out = '';
    const writer = createResultWriter('csv', dims, (text) => (out += text), { timeline: true });
    writer.window(silent.file, silent.windowScores[0]);
    writer.window(scored.file, scored.windowScores[0]);
    writer.add(scored);
    writer.finish();
    expect(out).toBe(
      'file,start,end,scored,mos,noisiness,coloration,speech_ratio,cause\nquiet.wav,0,1,false,,,,0,\n"dir/a, b.wav",0,1,true,3.1,2.5,4,0.9,\n',
    );
  });

  it('draws an HTML report: one point per scored window, gaps for unscored ones, names escaped', () => {
    const windows = [0, 1, 2, 3].map((i) => ({ start: i, end: i + 4, scored: i !== 2, mos: i === 2 ? null : 3 + i / 10, dims: (i === 2 ? {} : { noisiness: 3, coloration: 4 }) as Record<string, number>, speechRatio: 1 }));
    const page = renderHtmlReport([{ ...scored, file: '<b>&x.webm', windowScores: windows }], dims, 'tiny@1.0.0');
    expect(page).toContain('&#60;b&#62;&#38;x.webm');
    expect(page).not.toContain('<b>&x');
    expect(page.match(/<circle /g)).toHaveLength(3);
    // the MOS line breaks at the unscored window: two polylines for mos, two per dim
    expect(page.match(/<polyline /g)).toHaveLength(2 * (1 + dims.length));
    expect(page).not.toMatch(/<script|<link|@import/);
  });

  it('escapes CSV fields per RFC 4180', () => {
    expect(csvField('plain.wav')).toBe('plain.wav');
    expect(csvField('say "hi".wav')).toBe('"say ""hi"".wav"');
    expect(csvField('line\nbreak.wav')).toBe('"line\nbreak.wav"');
  });
});

describe('Progress', () => {
  const fakeStream = (isTTY: boolean) => {
    const writes: string[] = [];
    return { writes, stream: { isTTY, columns: 60, write: (t: string) => writes.push(t) } };
  };

  it('writes plain "scored n/N" lines when stderr is not a terminal', () => {
    const { writes, stream } = fakeStream(false);
    const progress = new Progress(stream, 2);
    progress.advance('a.wav');
    progress.message('callmos: error: b.wav: empty file');
    progress.advance('b.wav');
    progress.finish();
    expect(writes.join('')).toBe('callmos: scored 1/2\ncallmos: error: b.wav: empty file\ncallmos: scored 2/2\n');
  });

  it('redraws one line on a terminal and clears it before messages', () => {
    const { writes, stream } = fakeStream(true);
    const progress = new Progress(stream, 4);
    progress.advance('a.wav');
    progress.message('callmos: error: b.wav: empty file');
    progress.finish();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the progress line's terminal control codes
    expect(writes[0]).toMatch(/^\r\x1b\[2K\[#{6}\.{18}\] 1\/4 a\.wav$/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the progress line's terminal control codes
    expect(writes.slice(1, 4)).toEqual(['\r\x1b[2K', 'callmos: error: b.wav: empty file\n', expect.stringMatching(/^\r\x1b\[2K\[#+\.+\] 1\/4/)]);
    expect(writes.at(-1)).toBe('\r\x1b[2K');
  });

  it('shows progress within a long file, even alone: quarters off a terminal, a redrawn line on one', () => {
    const plain = fakeStream(false);
    const progress = new Progress(plain.stream, 1);
    for (let t = 0; t <= 600; t += 30) progress.fileProgress('long.webm', t, 600);
    progress.fileProgress('short.wav', 5, 10); // under LONG_FILE_S: nothing
    expect(plain.writes).toEqual([
      'callmos: long.webm: 25% (2:30 of 10:00)\n',
      'callmos: long.webm: 50% (5:00 of 10:00)\n',
      'callmos: long.webm: 75% (7:30 of 10:00)\n',
    ]);
    const tty = fakeStream(true);
    const live = new Progress(tty.stream, 3);
    live.fileProgress('long.webm', 300, 600);
    const line = tty.writes.at(-1)!;
    expect(line.startsWith('\r\u001b[2K')).toBe(true);
    expect(line.slice(5)).toMatch(/^\[#{12}\.{12}\] 50% file 1\/3 long\.webm$/);
  });

  it('shows nothing for a single file', () => {
    const { writes, stream } = fakeStream(true);
    const progress = new Progress(stream, 1);
    progress.advance('a.wav');
    progress.finish();
    expect(writes).toEqual([]);
  });
});

describe('findAudioFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callmos-find-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('walks directories recursively for .wav/.flac, sorted, and keeps named files as given', async () => {
    for (const path of ['b.wav', 'a.FLAC', 'notes.txt', 'sub/z.wav', 'sub/deeper/c.flac', 'A.wav', 'empty/readme.md']) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), '');
    }
    const explicit = join(dir, 'notes.txt');
    const { files, problems } = await findAudioFiles([dir, explicit, join(dir, 'b.wav'), join(dir, 'empty')]);
    expect(files).toEqual([
      join(dir, 'A.wav'),
      join(dir, 'a.FLAC'),
      join(dir, 'b.wav'),
      join(dir, 'sub/deeper/c.flac'),
      join(dir, 'sub/z.wav'),
      explicit,
    ]);
    expect(problems).toEqual([{ input: join(dir, 'empty'), problem: 'no .wav/.flac/.ogg/.opus/.webm/.mka/.mp3 files in directory' }]);
  });

  it('passes a missing path through for the decoder to report', async () => {
    expect((await findAudioFiles(['missing.wav'])).files).toEqual(['missing.wav']);
  });
});

describe('summariseAccuracy', () => {
  it('shows the numbers of a free-form accuracy block, nested keys dotted', () => {
    expect(summariseAccuracy({ pearson: 0.87654, heldOut: { rmse: 0.31, note: 'x' } })).toBe('pearson=0.877 heldOut.rmse=0.31');
    expect(summariseAccuracy(undefined)).toBe('-');
    expect(summariseAccuracy({ a: 1, b: 2, c: 3, d: 4, e: 5 }, 2)).toBe('a=1 b=2 ...');
  });
});

describe('readInput', () => {
  it('reads - from the stdin stream, sniffing the container, and refuses a terminal', async () => {
    const { readInput } = await import('../src/cli/read-input.js');
    const { wavBytes } = await import('./helpers/wav-bytes.js');
    const bytes = wavBytes({ format: 1, bits: 16, sampleRate: 8000, frames: [[16384], [-16384], [8192]] });
    async function* chunks() {
      yield bytes.subarray(0, 10);
      yield bytes.subarray(10);
    }
    const clip = await readInput('-', chunks());
    expect(clip).toMatchObject({ sampleRate: 8000, channels: 1 });
    expect(Array.from(clip.samples)).toEqual([0.5, -0.5, 0.25]);
    const tty = Object.assign(chunks(), { isTTY: true });
    await expect(readInput('-', tty)).rejects.toThrow(/^-: stdin is a terminal/);
  });
});
