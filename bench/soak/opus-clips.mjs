/**
 * The soak's audio: a few speech clips encoded once with ffmpeg's libopus the way WebRTC sends them
 * (48 kHz mono, 20 ms frames, VoIP mode, 32 kb/s) and kept as their packets, so replaying N streams costs
 * the load generator a UDP send per packet and nothing else. Encoded files are cached between runs.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpeg } from '../../examples/lib/ffmpeg.mjs';
import { oggPackets } from '../../examples/lib/ogg.mjs';
import { speech16k, speechSource } from '../../examples/lib/speech.mjs';
import { writeWav } from '../../examples/lib/audio.mjs';

export const PACKET_MS = 20;

/**
 * `count` clips of `seconds` of speech each (different speakers), as Opus packets.
 * @param {string} dir cache directory @param {number} count @param {number} seconds
 * @returns {Promise<{ clips: Uint8Array[][], source: string }>}
 */
export async function opusClips(dir, count, seconds) {
  mkdirSync(dir, { recursive: true });
  const clips = [];
  for (let i = 0; i < count; i++) {
    const ogg = join(dir, `speech-${seconds}s-${i}.ogg`);
    if (!existsSync(ogg)) {
      const wav = join(dir, `speech-${seconds}s-${i}.wav`);
      writeWav(wav, await speech16k(seconds, i * 11), 16000);
      ffmpeg(['-i', wav, '-ac', '1', '-ar', '48000', '-c:a', 'libopus', '-b:a', '32k', '-application', 'voip', '-frame_duration', '20', ogg]);
    }
    const packets = oggPackets(readFileSync(ogg)).slice(2); // OpusHead, OpusTags
    // every packet must be one 20 ms frame: the sender steps the RTP timestamp by 960
    if (packets.some((p) => (p[0] & 3) !== 0 || [1, 5, 9, 13, 15, 19, 23, 27, 31].indexOf(p[0] >> 3) < 0)) {
      throw new Error(`${ogg}: not all packets are single 20 ms frames`);
    }
    clips.push(packets);
  }
  return { clips, source: speechSource };
}
