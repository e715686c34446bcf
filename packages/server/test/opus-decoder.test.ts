import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OpusStreamDecoder } from '../src/audio/opus-stream-decoder.js';
import { ffmpegPath, opusPackets, speech16k, writeWav } from './helpers/media.js';

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

  it('keeps many decoders independent (one wasm heap each)', async () => {
    const ds = await Promise.all(Array.from({ length: 40 }, () => OpusStreamDecoder.create()));
    const ref = await OpusStreamDecoder.create();
    const want = packets.slice(0, 20).map((p) => ref.decode(p).samples);
    for (let i = 0; i < 20; i++) for (const d of ds) expect(d.decode(packets[i]!).samples).toEqual(want[i]);
    for (const d of [...ds, ref]) d.close();
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
