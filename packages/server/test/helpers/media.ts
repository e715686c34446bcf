/**
 * Test audio made by the tests themselves: speech from ../shared's LibriSpeech subset (or the repo's TTS
 * fixture when ../shared is absent), white noise mixed at a chosen SNR, WAV files (all shared with the
 * examples, examples/lib), and real Opus packets from ffmpeg's libopus (an Ogg file taken apart page by page).
 */
import { readFileSync } from 'node:fs';
import { ffmpeg, ffmpegPath } from '../../../../examples/lib/ffmpeg.mjs';
import { oggPackets } from '../../../../examples/lib/ogg.mjs';

// Speech, noise and WAV writing are the examples' (the demo's simulated participants are made the same way).
export { speech16k, speechSource } from '../../../../examples/lib/speech.mjs';
export { whiteNoise, mixAtSnr, writeWav } from '../../../../examples/lib/audio.mjs';
export { ffmpeg, ffmpegPath, oggPackets };

/** Encodes a WAV to Ogg Opus (48 kHz mono, 20 ms frames, like WebRTC) and returns the audio packets. */
export function opusPackets(wavPath: string, oggPath: string, bitrate = '32k'): Uint8Array[] {
  ffmpeg(['-i', wavPath, '-ac', '1', '-ar', '48000', '-c:a', 'libopus', '-b:a', bitrate, '-application', 'voip', '-frame_duration', '20', oggPath]);
  return oggPackets(readFileSync(oggPath)).slice(2); // OpusHead and OpusTags come first
}
