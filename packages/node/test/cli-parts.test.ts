import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../src/cli/args.js';
import type { FileScore } from '../src/cli/file-score.js';
import { findAudioFiles } from '../src/cli/find-audio-files.js';
import { summariseAccuracy } from '../src/cli/models-command.js';
import { Progress } from '../src/cli/progress.js';
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
      vad: 'energy',
    });
  });

  it('defaults to csv, auto provider, the default model', () => {
    expect(parseCommandLine(['score', 'x.wav'])).toEqual({ command: 'score', inputs: ['x.wav'], format: 'csv', provider: 'auto', vad: 'silero', model: undefined, output: undefined, threads: undefined });
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
    [['score', 'a.wav', '--format', 'xml'], /--format must be csv or json, got "xml"/],
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
    expect(writes[0]).toMatch(/^\r\x1b\[2K\[#{6}\.{18}\] 1\/4 a\.wav$/);
    expect(writes.slice(1, 4)).toEqual(['\r\x1b[2K', 'callmos: error: b.wav: empty file\n', expect.stringMatching(/^\r\x1b\[2K\[#+\.+\] 1\/4/)]);
    expect(writes.at(-1)).toBe('\r\x1b[2K');
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
    expect(problems).toEqual([{ input: join(dir, 'empty'), problem: 'no .wav/.flac files in directory' }]);
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
