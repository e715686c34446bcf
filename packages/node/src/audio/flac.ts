import { AudioFileError } from './audio-file-error.js';
import type { DecodedChannels } from './decoded-audio.js';
import type { FLACDecodedAudio } from '@wasm-audio-decoders/flac';

/** STREAMINFO starts right after "fLaC" and its 4-byte block header; total samples are its bits 108..143. */
const STREAMINFO_OFFSET = 8;
const STREAMINFO_LENGTH = 34;

/**
 * Fed to the decoder at a time. FLAC compresses silence to almost nothing (a frame of 65535 samples on 8
 * channels can take 36 bytes: 2 MB of float32 out), so the file is decoded piece by piece and the output
 * checked against STREAMINFO after each piece: at most what about 1 KiB of frames decodes to is made
 * beyond what the header declares, never the whole file's worth.
 */
const CHUNK_BYTES = 1024;

/**
 * Decode a FLAC file with @wasm-audio-decoders/flac. The decoder is loaded on first use (it compiles a
 * WASM module) and a fresh instance decodes each file, so concurrent reads cannot share decoder state.
 */
export async function decodeFlac(bytes: Uint8Array, file: string): Promise<DecodedChannels> {
  const declaredSamples = readDeclaredSampleCount(bytes, file);
  const { FLACDecoder } = await import('@wasm-audio-decoders/flac');
  const decoder = new FLACDecoder();
  try {
    await decoder.ready;
    const parts: Float32Array[][] = [];
    const errors: FLACDecodedAudio['errors'] = [];
    let samplesDecoded = 0;
    let format: Pick<FLACDecodedAudio, 'sampleRate' | 'bitDepth'> | undefined;
    const take = (piece: FLACDecodedAudio) => {
      errors.push(...piece.errors);
      if (piece.samplesDecoded === 0) return;
      parts.push(piece.channelData);
      samplesDecoded += piece.samplesDecoded;
      format ??= piece;
      // A header that declares fewer samples than the frames hold: stop before decoding the rest (a small
      // file can claim little and expand to gigabytes).
      if (declaredSamples > 0 && samplesDecoded > declaredSamples) {
        throw new AudioFileError(file, `corrupt FLAC: header says ${declaredSamples} samples, the frames hold more`);
      }
    };
    for (let at = 0; at < bytes.length; at += CHUNK_BYTES) take(await decoder.decode(bytes.subarray(at, at + CHUNK_BYTES)));
    take(await decoder.flush());
    if (errors.length > 0) {
      const first = errors[0];
      throw new AudioFileError(file, `corrupt FLAC: ${first.message} (${errors.length} bad frame(s), first at frame ${first.frameNumber})`);
    }
    // The decoder stops quietly at a cut or at garbled frames; only STREAMINFO's sample count (0 = unknown)
    // tells it happened, not which of the two it was.
    if (declaredSamples > 0 && samplesDecoded < declaredSamples) {
      throw new AudioFileError(file, `truncated or corrupt FLAC: header says ${declaredSamples} samples, decoded ${samplesDecoded}`);
    }
    if (!format) return { channelData: [], sampleRate: 0 };
    const channelData = concatChannels(parts, samplesDecoded);
    return { channelData: channelData.map((c) => toWavScale(c, format!.bitDepth)), sampleRate: format.sampleRate };
  } finally {
    decoder.free();
  }
}

/** The pieces' channels joined (a piece holds one Float32Array per channel). */
function concatChannels(parts: Float32Array[][], samples: number): Float32Array[] {
  if (parts.length === 1) return parts[0];
  const channels = Math.min(...parts.map((p) => p.length));
  return Array.from({ length: channels }, (_, c) => {
    const out = new Float32Array(samples);
    let at = 0;
    for (const p of parts) (out.set(p[c].subarray(0, samples - at), at), (at += p[c].length));
    return out;
  });
}

function readDeclaredSampleCount(bytes: Uint8Array, file: string): number {
  if (bytes.byteLength < STREAMINFO_OFFSET + STREAMINFO_LENGTH || (bytes[4] & 0x7f) !== 0) {
    throw new AudioFileError(file, 'truncated or malformed FLAC: no STREAMINFO block');
  }
  const s = bytes.subarray(STREAMINFO_OFFSET);
  // 36-bit field: low 4 bits of byte 13, then bytes 14..17 (too wide for 32-bit bit operations).
  return (s[13] & 0x0f) * 2 ** 32 + ((s[14] << 24) >>> 0) + (s[15] << 16) + (s[16] << 8) + s[17];
}

/**
 * The decoder divides by 2^(b-1) - 1 (full-scale negative reads -1.00003 at 16 bits); WAV decoding, like
 * most tools, divides by 2^(b-1). Rescale so one recording gives the same samples from either container.
 */
function toWavScale(channel: Float32Array, bitDepth: number): Float32Array {
  if (!(bitDepth >= 2 && bitDepth <= 32)) return channel;
  const fullScale = 2 ** (bitDepth - 1);
  const factor = (fullScale - 1) / fullScale;
  for (let i = 0; i < channel.length; i++) channel[i] *= factor;
  return channel;
}
