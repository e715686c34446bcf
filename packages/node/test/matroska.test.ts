/**
 * The Matroska reader on layouts ffmpeg does not write for Opus but the format allows and other muxers
 * use: unknown-size Segment and Cluster (MediaRecorder's live layout), BlockGroups, and the three lacings.
 * The files are rebuilt from the frames of an ffmpeg WebM, so every layout must decode to the same samples.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudioFile } from '../src/audio-file.js';
import { readMatroska } from '../src/audio/matroska.js';
import { ffmpeg, ffmpegPath } from './helpers/tools.js';

const speech = fileURLToPath(new URL('../../../models/fixtures/clean-tts.wav', import.meta.url));
if (!ffmpegPath) console.warn('matroska.test.ts: ffmpeg not found, skipping');

const UNKNOWN = -1;
function size(n: number): number[] {
  if (n === UNKNOWN) return [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
  // always 4 bytes: simple and valid (sizes up to 2^28 - 2)
  return [0x10 | (n >>> 24), (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}
function idBytes(id: number): number[] {
  const out: number[] = [];
  for (let v = id; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return out;
}
const el = (id: number, body: number[], unknownSize = false): number[] => [...idBytes(id), ...size(unknownSize ? UNKNOWN : body.length), ...body];
const uint = (id: number, v: number) => el(id, [v]);

/** Xiph lacing of the frames' sizes (all but the last) */
function xiph(sizes: number[]): number[] {
  return sizes.flatMap((s) => [...Array(Math.floor(s / 255)).fill(255), s % 255]);
}
/** EBML lacing: first size as a 2-byte vint, then signed differences as 2-byte vints (bias 2^13 - 1) */
function ebmlLacing(sizes: number[]): number[] {
  const out: number[] = [];
  sizes.forEach((s, i) => {
    const v = i === 0 ? s : s - sizes[i - 1] + 8191;
    out.push(0x40 | (v >> 8), v & 0xff);
  });
  return out;
}

type Layout = 'simple' | 'blockgroup' | 'xiph' | 'ebml' | 'fixed';

function build(head: Uint8Array, frames: Uint8Array[], layout: Layout): Uint8Array {
  const tracks = el(0x1654ae6b, el(0xae, [...uint(0xd7, 1), ...uint(0x83, 2), ...el(0x86, [...Buffer.from('A_OPUS')]), ...el(0x63a2, [...head])]));
  const blocks: number[] = [];
  const group = layout === 'xiph' || layout === 'ebml' || layout === 'fixed' ? 4 : 1;
  for (let i = 0; i < frames.length; i += group) {
    const run = frames.slice(i, i + group);
    if (layout === 'fixed') {
      // fixed lacing needs equal sizes: lace the runs that are (CBR makes most), write the others unlaced
      if (!run.every((f) => f.length === run[0].length)) {
        for (const f of run) blocks.push(...el(0xa3, [0x81, 0, 0, 0x80, ...f]));
        continue;
      }
    }
    if (group === 1) {
      const block = [0x81, 0, 0, layout === 'simple' ? 0x80 : 0x00, ...run[0]];
      blocks.push(...(layout === 'simple' ? el(0xa3, block) : el(0xa0, el(0xa1, block))));
      continue;
    }
    const flag = layout === 'xiph' ? 0x02 : layout === 'ebml' ? 0x06 : 0x04;
    const sizes = run.map((f) => f.length).slice(0, -1);
    const lace = layout === 'xiph' ? xiph(sizes) : layout === 'ebml' ? ebmlLacing(sizes) : [];
    blocks.push(...el(0xa3, [0x81, 0, 0, 0x80 | flag, run.length - 1, ...lace, ...run.flatMap((f) => [...f])]));
  }
  const cluster = el(0x1f43b675, [...uint(0xe7, 0), ...blocks], true);
  const ebmlHeader = el(0x1a45dfa3, el(0x4282, [...Buffer.from('webm')]));
  return Uint8Array.from([...ebmlHeader, ...el(0x18538067, [...tracks, ...cluster], true)]);
}

describe.skipIf(!ffmpegPath)('readMatroska', () => {
  let dir: string;
  let original: Uint8Array;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'callmos-mkv-'));
    // 20 ms frames, CBR-ish: a run of equal sizes for fixed lacing is likely with -vbr off
    ffmpeg(['-i', speech, '-t', '3', '-c:a', 'libopus', '-vbr', 'off', '-b:a', '24k', join(dir, 'a.webm')]);
    original = new Uint8Array(readFileSync(join(dir, 'a.webm')));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['simple', 'blockgroup', 'xiph', 'ebml', 'fixed'] as const)('reads %s blocks in unknown-size Segment/Cluster', async (layout) => {
    const { tracks, frames } = readMatroska(original, 'a.webm');
    const opus = tracks.find((t) => t.codecId === 'A_OPUS')!;
    const rebuilt = build(opus.codecPrivate!, frames.get(opus.number)!, layout);
    const again = readMatroska(rebuilt, 'rebuilt.webm');
    expect(again.frames.get(1)).toEqual(frames.get(opus.number));
    if (layout === 'fixed') expect(rebuilt.filter((b, i) => b === 0xa3 && (rebuilt[i + 8] & 0x06) === 0x04).length).toBeGreaterThan(5);
    const a = await decodeAudioFile(original, 'a.webm');
    const b = await decodeAudioFile(rebuilt, 'rebuilt.webm');
    expect(b.samples).toEqual(a.samples);
  });

  it('fails a file whose Opus packets libopus rejects, on one line, without console noise', async () => {
    const { tracks, frames } = readMatroska(original, 'a.webm');
    const opus = tracks.find((t) => t.codecId === 'A_OPUS')!;
    const packets = frames.get(opus.number)!.slice();
    // TOC code 3 (arbitrary frame count) with a count of 0 frames: invalid by RFC 6716 §3.2.5
    packets[10] = Uint8Array.of(0x03, 0x00);
    const logged: unknown[] = [];
    const original_ = console.error;
    console.error = (...args: unknown[]) => logged.push(args);
    try {
      const error = await decodeAudioFile(build(opus.codecPrivate!, packets, 'simple'), 'bad.webm').catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/^bad\.webm: corrupt WebM Opus: libopus -4 .*\(1 bad packet\(s\), first at packet 10\)$/);
    } finally {
      console.error = original_;
    }
    expect(logged).toEqual([]);
  });

  it('names the file and the byte on lace sizes that run past the block', () => {
    const { tracks, frames } = readMatroska(original, 'a.webm');
    const opus = tracks.find((t) => t.codecId === 'A_OPUS')!;
    const bad = build(opus.codecPrivate!, frames.get(opus.number)!.slice(0, 4), 'xiph');
    // the first lace size (right after the 5-byte block header) claims 255 + the rest of the block
    const at = bad.findIndex((_, i) => bad[i] === 0xa3 && bad[i + 5] === 0x81 && (bad[i + 8] & 0x06) === 0x02);
    bad[at + 10] = 255;
    bad[at + 11] = 255;
    expect(() => readMatroska(bad, 'bad.webm')).toThrow(/^bad\.webm: corrupt WebM: block at byte \d+: lace sizes run past the block/);
  });
});
