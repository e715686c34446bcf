import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { OpusStreamDecoder } from '../src/audio/opus-stream-decoder.js';
import { opusHeapStats } from '../src/audio/opus-wasm-heap.js';
import { ffmpegPath, opusPackets, speech16k, writeWav } from './helpers/media.js';

const sameSamples = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);
const energy = (x: Float32Array) => x.reduce((s, v) => s + v * v, 0) / Math.max(1, x.length);

describe.skipIf(!ffmpegPath)('OpusStreamDecoder (real libopus packets from ffmpeg)', () => {
  let packets: Uint8Array[];
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callmos-opus-'));
    writeWav(join(dir, 's.wav'), await speech16k(3), 16000);
    packets = opusPackets(join(dir, 's.wav'), join(dir, 's.ogg'));
  });

  it('decodes 20 ms packets to 960 samples of 48 kHz audio each', async () => {
    const d = await OpusStreamDecoder.create();
    const out = packets.map((p) => d.decode(p).samples);
    expect(out.every((s) => s.length === 960)).toBe(true);
    expect(energy(Float32Array.from(out.flatMap((s) => [...s])))).toBeGreaterThan(1e-4);
    expect(d.stats).toMatchObject({ decoded: packets.length, concealed: 0, corrupt: 0 });
    d.close();
  });

  it('hands out samples that later decodes never overwrite (no copy of its own per packet)', async () => {
    const d = await OpusStreamDecoder.create();
    const first = d.decode(packets[30]!).samples;
    const kept = Float32Array.from(first);
    for (const p of packets.slice(31, 60)) d.decode(p);
    expect(first).toEqual(kept);
    expect(first.buffer.byteLength).toBe(first.byteLength); // its own buffer, not a view of the wasm heap
    const again = await OpusStreamDecoder.create();
    expect(again.decode(packets[30]!).samples).not.toBe(first);
    d.close();
    again.close();
  });

  it('conceals lost packets with libopus PLC, one packet length each, and counts them', async () => {
    const d = await OpusStreamDecoder.create();
    for (const p of packets.slice(0, 50)) d.decode(p);
    const plc = d.conceal(3);
    expect(plc.length).toBe(3 * 960);
    expect(energy(plc.subarray(0, 960))).toBeGreaterThan(0); // concealment continues the signal, not silence
    expect(d.decode(packets[53]!).samples.length).toBe(960);
    expect(d.stats).toMatchObject({ concealed: 3, concealedSamples: 2880 });
    expect(d.conceal(1000).length).toBe(48000); // capped at maxConcealSamples
    d.close();
  });

  it('counts a truncated or random packet as corrupt and conceals it instead', async () => {
    const d = await OpusStreamDecoder.create();
    for (const p of packets.slice(0, 10)) d.decode(p);
    const truncated = packets[10]!.subarray(0, 3);
    const r = d.decode(Uint8Array.of(0x0b, 0x80 | 3, 252));
    expect(r.error).toMatch(/R7|past/);
    expect(r.samples.length).toBe(960);
    d.decode(truncated); // a truncated frame may still parse (libopus decodes what is there): never throws
    expect(d.stats.corrupt).toBeGreaterThanOrEqual(1);
    expect(d.decode(packets[11]!).samples.length).toBe(960);
    d.close();
  });

  it('keeps many decoders independent: their states share one wasm heap, a second opens when it is full, and an emptied one goes', async () => {
    const before = opusHeapStats();
    expect(before.shared).toBe(true);
    const ref = await OpusStreamDecoder.create({ sharedHeap: false }); // an instance of its own, as opus-decoder makes it
    const want = packets.slice(0, 12).map((p) => ref.decode(p).samples);
    const ds = await Promise.all(Array.from({ length: 40 }, () => OpusStreamDecoder.create()));
    expect(opusHeapStats()).toMatchObject({ heaps: Math.max(1, before.heaps), decoders: before.decoders + 40 });
    // 1240 streams are more than one 28 MiB heap holds (~1000 states of ~29 KiB)
    const many = await Promise.all(Array.from({ length: 1200 }, () => OpusStreamDecoder.create()));
    expect(opusHeapStats().heaps).toBeGreaterThanOrEqual(2);
    // compared sample by sample here (expect().toEqual on 15,000 arrays takes seconds)
    let differ = 0;
    for (let i = 0; i < 12; i++) for (const d of [...ds, ...many]) if (!sameSamples(d.decode(packets[i]!).samples, want[i]!)) differ++;
    expect(differ).toBe(0);
    for (const d of many) d.close();
    expect(opusHeapStats()).toMatchObject({ heaps: 1, decoders: before.decoders + 40 });
    for (const d of [...ds, ref]) d.close();
  });

  it('decodes and conceals exactly as an opus-decoder instance of its own does (the same libopus), corrupt packets included', async () => {
    const shared = await OpusStreamDecoder.create({ sampleRate: 16000 });
    const own = await OpusStreamDecoder.create({ sampleRate: 16000, sharedHeap: false });
    const other = await OpusStreamDecoder.create({ sampleRate: 16000 }); // decodes in between, in the same heap
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined); // opus-decoder's own instance prints libopus errors
    try {
      for (const [i, p] of packets.slice(0, 80).entries()) {
        other.decode(packets[79 - i]!);
        if (i % 17 === 5) {
          expect(shared.conceal(2)).toEqual(own.conceal(2));
          continue;
        }
        const bad = i % 23 === 7 ? Uint8Array.of(0x0b, 0x80 | 3, 252) : p;
        const a = shared.decode(bad);
        const b = own.decode(bad);
        expect(a.samples).toEqual(b.samples);
        expect(a.error === undefined).toBe(b.error === undefined);
      }
    } finally {
      consoleError.mockRestore();
    }
    expect(shared.stats).toEqual(own.stats);
    expect(shared.stats.corrupt).toBeGreaterThan(0);
    for (const d of [shared, own, other]) d.close();
  });

  it('reset starts a fresh decoder and close frees it', async () => {
    const d = await OpusStreamDecoder.create();
    d.decode(packets[0]!);
    await d.reset();
    expect(d.decode(packets[1]!).samples.length).toBe(960);
    d.close();
    expect(() => d.decode(packets[2]!)).toThrow(/closed/);
  });

  it('shares a reset under way with resets asked for meanwhile (a sender switching SSRC every packet: one new decoder at a time)', async () => {
    const d = await OpusStreamDecoder.create();
    const resets = Array.from({ length: 300 }, () => d.reset());
    expect(new Set(resets).size).toBe(1);
    await Promise.all(resets);
    expect(d.reset()).not.toBe(resets[0]); // the next one is a new reset
    expect(d.decode(packets[0]!).samples.length).toBe(960);
    d.close();
  });

  it("conceals no more than the limit it is given (the stream's wall-clock budget)", async () => {
    const d = await OpusStreamDecoder.create();
    for (const p of packets.slice(0, 5)) d.decode(p);
    expect(d.concealLength(10)).toBe(9600);
    expect(d.conceal(10, 1000).length).toBe(1000);
    expect(d.conceal(10, 0).length).toBe(0);
    d.close();
  });
});
