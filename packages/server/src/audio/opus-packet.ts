/**
 * Opus packet framing (RFC 6716 section 3): the TOC byte and frame-count code, checked against the
 * packet length before anything reaches libopus. It tells how many 48 kHz samples a packet holds (the
 * size of the concealment for a lost packet like it) and rejects malformed packets up front, so random
 * bytes or a truncated frame are counted as corrupt instead of being fed to the decoder.
 */
import { CallmosError } from '@callmos/core';

export class OpusPacketError extends CallmosError<'OPUS_MALFORMED'> {
  override readonly name = 'OpusPacketError';
  constructor(message: string) {
    super('OPUS_MALFORMED', message);
  }
}

/** Frame duration per TOC config, in 48 kHz samples (SILK 0..11, Hybrid 12..15, CELT 16..31). */
const FRAME_SAMPLES: readonly number[] = [
  480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880, // SILK NB / MB / WB: 10, 20, 40, 60 ms
  480, 960, 480, 960, // Hybrid SWB / FB: 10, 20 ms
  120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, // CELT: 2.5, 5, 10, 20 ms
];

const MAX_FRAME_BYTES = 1275;
/** RFC 6716 R5: a packet holds at most 120 ms. */
const MAX_PACKET_SAMPLES = 5760;

export interface OpusPacketInfo {
  frames: number;
  /** samples per frame at 48 kHz */
  frameSamples: number;
  /** samples in the packet at 48 kHz */
  samples: number;
}

/** Reads one self-delimited frame length (1 or 2 bytes) at `at`; returns [length, bytes used]. */
function frameLength(p: Uint8Array, at: number): [number, number] {
  if (at >= p.length) throw new OpusPacketError('frame length runs past the packet');
  const b = p[at]!;
  if (b < 252) return [b, 1];
  if (at + 1 >= p.length) throw new OpusPacketError('two-byte frame length runs past the packet');
  return [b + 4 * p[at + 1]!, 2];
}

/** Validates the framing of an Opus packet (RFC 6716 R1-R7) and says how long it is. */
export function opusPacketInfo(p: Uint8Array): OpusPacketInfo {
  if (p.length < 1) throw new OpusPacketError('empty packet (R1)');
  const toc = p[0]!;
  const frameSamples = FRAME_SAMPLES[toc >> 3]!;
  const code = toc & 3;
  const body = p.length - 1;
  let frames: number;
  if (code === 0) {
    if (body > MAX_FRAME_BYTES) throw new OpusPacketError(`frame of ${body} bytes exceeds ${MAX_FRAME_BYTES} (R2)`);
    frames = 1;
  } else if (code === 1) {
    if (body % 2 !== 0) throw new OpusPacketError('code 1 packet with an odd payload length (R3)');
    if (body / 2 > MAX_FRAME_BYTES) throw new OpusPacketError(`frames of ${body / 2} bytes exceed ${MAX_FRAME_BYTES} (R3)`);
    frames = 2;
  } else if (code === 2) {
    const [n1, used] = frameLength(p, 1);
    const n2 = body - used - n1;
    if (n2 < 0) throw new OpusPacketError(`first frame of ${n1} bytes runs past the packet (R4)`);
    if (n2 > MAX_FRAME_BYTES) throw new OpusPacketError(`second frame of ${n2} bytes exceeds ${MAX_FRAME_BYTES} (R4)`);
    frames = 2;
  } else {
    frames = codeThreeFrames(p, frameSamples);
  }
  const samples = frames * frameSamples;
  if (samples > MAX_PACKET_SAMPLES) throw new OpusPacketError(`packet of ${samples / 48} ms exceeds 120 ms (R5)`);
  return { frames, frameSamples, samples };
}

/** Code 3: a frame-count byte (VBR flag, padding flag, M), optional padding and per-frame lengths (R5-R7). */
function codeThreeFrames(p: Uint8Array, frameSamples: number): number {
  if (p.length < 2) throw new OpusPacketError('code 3 packet without its frame count byte (R6)');
  const vbr = (p[1]! & 0x80) !== 0;
  const padded = (p[1]! & 0x40) !== 0;
  const m = p[1]! & 0x3f;
  if (m === 0) throw new OpusPacketError('code 3 packet with 0 frames (R5)');
  if (m * frameSamples > MAX_PACKET_SAMPLES) throw new OpusPacketError(`${m} frames exceed 120 ms (R5)`);
  let at = 2;
  let padding = 0;
  if (padded) {
    for (;;) {
      if (at >= p.length) throw new OpusPacketError('padding length runs past the packet (R6/R7)');
      const b = p[at++]!;
      padding += b === 255 ? 254 : b;
      if (b !== 255) break;
    }
  }
  let data = p.length - at - padding;
  if (data < 0) throw new OpusPacketError('padding longer than the packet (R6/R7)');
  if (vbr) {
    for (let i = 0; i < m - 1; i++) {
      const [n, used] = frameLength(p, at);
      at += used;
      data -= used + n;
      if (n > MAX_FRAME_BYTES) throw new OpusPacketError(`frame of ${n} bytes exceeds ${MAX_FRAME_BYTES} (R7)`);
      if (data < 0) throw new OpusPacketError('VBR frame lengths run past the packet (R7)');
    }
    if (data > MAX_FRAME_BYTES) throw new OpusPacketError(`last frame of ${data} bytes exceeds ${MAX_FRAME_BYTES} (R7)`);
  } else {
    if (data % m !== 0) throw new OpusPacketError(`CBR payload of ${data} bytes is not a multiple of ${m} frames (R6)`);
    if (data / m > MAX_FRAME_BYTES) throw new OpusPacketError(`frames of ${data / m} bytes exceed ${MAX_FRAME_BYTES} (R6)`);
  }
  return m;
}
