import { AudioFileError } from './audio-file-error.js';
import type { DecodedChannels } from './decoded-audio.js';

/** STREAMINFO starts right after "fLaC" and its 4-byte block header; total samples are its bits 108..143. */
const STREAMINFO_OFFSET = 8;
const STREAMINFO_LENGTH = 34;

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
    const decoded = await decoder.decodeFile(bytes);
    if (decoded.errors.length > 0) {
      const first = decoded.errors[0];
      throw new AudioFileError(file, `corrupt FLAC: ${first.message} (${decoded.errors.length} bad frame(s), first at frame ${first.frameNumber})`);
    }
    // The decoder stops quietly at a cut or at garbled frames; only STREAMINFO's sample count (0 = unknown)
    // tells it happened, not which of the two it was.
    if (declaredSamples > 0 && decoded.samplesDecoded < declaredSamples) {
      throw new AudioFileError(
        file,
        `truncated or corrupt FLAC: header says ${declaredSamples} samples, decoded ${decoded.samplesDecoded}`,
      );
    }
    return { channelData: decoded.channelData.map((c) => toWavScale(c, decoded.bitDepth)), sampleRate: decoded.sampleRate };
  } finally {
    decoder.free();
  }
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
