/**
 * Test audio made by the tests themselves: speech from ../shared's LibriSpeech subset (or the repo's TTS
 * fixture when ../shared is absent), white noise mixed at a chosen SNR, WAV files (all shared with the
 * examples, examples/lib), and real Opus packets from ffmpeg's libopus (an Ogg file taken apart page by page).
 */
import { readFileSync } from 'node:fs';
import { ffmpeg, ffmpegPath } from '../../../../examples/lib/ffmpeg.mjs';

// Speech, noise and WAV writing are the examples' (the demo's simulated participants are made the same way).
export { speech16k, speechSource } from '../../../../examples/lib/speech.mjs';
export { whiteNoise, mixAtSnr, writeWav } from '../../../../examples/lib/audio.mjs';
export { ffmpeg, ffmpegPath };

/** Encodes a WAV to Ogg Opus (48 kHz mono, 20 ms frames, like WebRTC) and returns the audio packets. */
export function opusPackets(wavPath: string, oggPath: string, bitrate = '32k'): Uint8Array[] {
  ffmpeg(['-i', wavPath, '-ac', '1', '-ar', '48000', '-c:a', 'libopus', '-b:a', bitrate, '-application', 'voip', '-frame_duration', '20', oggPath]);
  return oggPackets(readFileSync(oggPath)).slice(2); // OpusHead and OpusTags come first
}

/** Packets of an Ogg stream (RFC 3533): page headers, segment tables and lacing. */
export function oggPackets(bytes: Uint8Array): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let current: number[] = [];
  let at = 0;
  while (at + 27 <= bytes.length) {
    if (String.fromCharCode(...bytes.subarray(at, at + 4)) !== 'OggS') throw new Error(`no Ogg page at byte ${at}`);
    const segments = bytes[at + 26]!;
    const table = bytes.subarray(at + 27, at + 27 + segments);
    let body = at + 27 + segments;
    for (const lace of table) {
      current.push(...bytes.subarray(body, body + lace));
      body += lace;
      if (lace < 255) {
        packets.push(Uint8Array.from(current));
        current = [];
      }
    }
    at = body;
  }
  return packets;
}
