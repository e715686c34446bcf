import { AudioFileError } from './audio-file-error.js';
import type { DecodedChannels } from './decoded-audio.js';
import { concat } from './opus.js';

/** Bytes handed to mpg123 per call: each call's output is downmixed before the next, bounding peak memory. */
const BYTES_PER_CALL = 1 << 20;

/**
 * MPEG audio (MP3, and layers I/II) with mpg123-decoder (mpg123 in WASM, LGPL-2.1 C library, MIT wrapper).
 * Fed in 1 MB pieces (the decoder is streaming) and downmixed to mono as it goes; gapless trimming on, so the
 * encoder delay LAME records is dropped as a player would.
 */
export async function decodeMp3(bytes: Uint8Array, file: string): Promise<DecodedChannels> {
  const { MPEGDecoder } = await import('mpg123-decoder');
  const decoder = new MPEGDecoder({ enableGapless: true });
  const pieces: Float32Array[] = [];
  let total = 0;
  let sampleRate = 0;
  let errors = 0;
  let firstError = '';
  try {
    await decoder.ready;
    for (let at = 0; at < bytes.length; at += BYTES_PER_CALL) {
      const decoded = decoder.decode(bytes.subarray(at, at + BYTES_PER_CALL));
      if (decoded.errors.length > 0) {
        errors += decoded.errors.length;
        firstError ||= decoded.errors[0].message;
      }
      if (decoded.samplesDecoded === 0) continue;
      if (sampleRate !== 0 && decoded.sampleRate !== sampleRate) {
        throw new AudioFileError(file, `unsupported MP3: sample rate changes from ${sampleRate} to ${decoded.sampleRate} Hz mid-file`);
      }
      sampleRate = decoded.sampleRate;
      const mono = new Float32Array(decoded.samplesDecoded);
      for (const channel of decoded.channelData) for (let i = 0; i < mono.length; i++) mono[i] += channel[i] / decoded.channelData.length;
      pieces.push(mono);
      total += mono.length;
    }
  } finally {
    decoder.free();
  }
  if (errors > 0) throw new AudioFileError(file, `corrupt MP3: ${firstError} (${errors} bad frame(s))`);
  if (total === 0) throw new AudioFileError(file, 'not an MP3 file or no audio frames in it');
  return { channelData: [concat(pieces, total)], sampleRate };
}
