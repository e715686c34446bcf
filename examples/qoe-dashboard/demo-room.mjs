/**
 * The demo's simulated participants. Each one is ffmpeg sending Opus RTP into a mediasoup PlainTransport,
 * through a UDP relay that can drop packets, following a script of phases that changes over time:
 *
 *   clean      speech as recorded
 *   noisy      the same speech in white noise at 0 dB SNR (mixed into the clip at start-up)
 *   loss       clean speech, 30 % of its RTP packets dropped by the relay (Opus conceals them)
 *   recovered  clean speech again
 *   muted      digital silence (a muted microphone): not scored, never counted as bad quality
 *
 * Every phase lasts `phaseSeconds`; the script then starts over. Each participant's clip is made at
 * start-up from the project's own speech (examples/lib/speech.mjs) and played in a loop into ffmpeg's
 * stdin in real time (PcmPacer); the relay drops packets while the audio being played is in a loss phase.
 */
import { concat, mixAtSnr } from '../lib/audio.mjs';
import { LossyRelay } from '../lib/loss-relay.mjs';
import { plainOpusProducer } from '../lib/plain-producer.mjs';
import { PcmPacer } from '../lib/pcm-pacer.mjs';
import { sendOpusRtp } from '../lib/rtp-sender.mjs';
import { speech16k } from '../lib/speech.mjs';

/** @typedef {'clean' | 'noisy' | 'loss' | 'recovered' | 'muted'} Phase */

/** What each phase does to the participant's audio or network. */
export const PHASES = {
  clean: { label: 'clean', snrDb: null, lossRate: 0, silent: false },
  noisy: { label: 'noisy (white noise, 0 dB SNR)', snrDb: 0, lossRate: 0, silent: false },
  loss: { label: 'packet loss (30 % of RTP dropped)', snrDb: null, lossRate: 0.3, silent: false },
  recovered: { label: 'recovered', snrDb: null, lossRate: 0, silent: false },
  muted: { label: 'muted', snrDb: null, lossRate: 0, silent: true },
};

/**
 * The simulated participants: two steady references and two that go through trouble.
 * @type {{ name: string, script: Phase[] }[]}
 */
export const PARTICIPANTS = [
  { name: 'Ana (clean)', script: ['clean', 'clean', 'clean', 'clean', 'clean'] },
  { name: 'Ben (noisy)', script: ['noisy', 'noisy', 'noisy', 'noisy', 'noisy'] },
  { name: 'Caro (scripted)', script: ['clean', 'noisy', 'loss', 'recovered', 'muted'] },
  { name: 'Dev (bad network)', script: ['clean', 'loss', 'loss', 'recovered', 'recovered'] },
];

/**
 * @typedef {object} SimulatedParticipant
 * @property {string} name
 * @property {Phase[]} script
 * @property {string} producerId
 * @property {import('../lib/rtp-sender.mjs').RtpSender} sender
 * @property {LossyRelay} relay
 * @property {PcmPacer} pacer where in the script the participant is (pacer.seconds)
 */

/**
 * @typedef {object} DemoRoom
 * @property {SimulatedParticipant[]} participants
 * @property {number} phaseSeconds
 * @property {number} startedAt ms since the epoch when the senders started (phase clock zero)
 * @property {() => Promise<void>} close stops every sender and relay, closes the producers
 */

/**
 * @param {number} elapsedSec @param {Phase[]} script @param {number} phaseSeconds @returns {Phase}
 */
export function scriptedPhase(elapsedSec, script, phaseSeconds) {
  const cycle = script.length * phaseSeconds;
  const t = ((elapsedSec % cycle) + cycle) % cycle;
  return script[Math.min(script.length - 1, Math.floor(t / phaseSeconds))];
}

/**
 * One participant's clip: the script's phases back to back, each `phaseSeconds` of 16 kHz audio.
 * @param {Phase[]} script @param {number} phaseSeconds @param {number} speechOffset which speech to use
 * @returns {Promise<Float32Array>}
 */
export async function scriptClip(script, phaseSeconds, speechOffset) {
  const n = Math.round(phaseSeconds * 16000);
  const speech = await speech16k(script.length * phaseSeconds, speechOffset, { cleanest: true });
  return concat(
    script.map((phase, i) => {
      const { snrDb, silent } = PHASES[phase];
      const part = speech.subarray(i * n, (i + 1) * n);
      if (silent) return new Float32Array(n);
      return snrDb === null ? part : mixAtSnr(part, snrDb, 7 + i);
    }),
  );
}

/**
 * Starts the simulated participants in `router`.
 * @param {import('mediasoup/types').Router} router
 * @param {{ phaseSeconds?: number, participants?: typeof PARTICIPANTS }} [options]
 * @returns {Promise<DemoRoom>}
 */
export async function startDemoRoom(router, { phaseSeconds = 12, participants = PARTICIPANTS } = {}) {
  /** @type {SimulatedParticipant[]} */
  const started = [];
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let clock;
  const close = async () => {
    clearInterval(clock);
    for (const p of started) p.pacer.stop();
    await Promise.all(started.map((p) => p.sender.stop()));
    for (const p of started) p.relay.close();
  };
  try {
    // Clips first (a few seconds of CPU), so that the senders start together on one clock.
    const clips = [];
    for (const [i, p] of participants.entries()) clips.push(await scriptClip(p.script, phaseSeconds, i * 6));
    const producers = await Promise.all(
      participants.map((p, i) => plainOpusProducer(router, 1000 + i, { name: p.name, script: p.script.join(' -> ') })),
    );
    const relays = await Promise.all(producers.map((p, i) => LossyRelay.start(p.port, 0, 4242 + i)));
    const startedAt = Date.now();
    participants.forEach((p, i) => {
      // RTP through the relay (the participant's "network"), RTCP straight to the transport.
      const sender = sendOpusRtp(null, { stdinRate: 16000, port: relays[i].port, rtcpPort: producers[i].rtcpPort, ssrc: 1000 + i });
      const pacer = new PcmPacer(clips[i], 16000, /** @type {import('node:stream').Writable} */ (sender.child.stdin));
      started.push({ name: p.name, script: p.script, producerId: producers[i].producer.id, sender, relay: relays[i], pacer });
    });
    for (const p of started) p.pacer.start();
    // The network follows the script: the relay drops packets while the phase says so.
    const followScript = () => {
      for (const p of started) {
        const { lossRate } = PHASES[scriptedPhase(p.pacer.seconds, p.script, phaseSeconds)];
        p.relay.dropRate = lossRate;
        p.relay.dropping = lossRate > 0;
      }
    };
    followScript();
    clock = setInterval(followScript, 20);
    return { participants: started, phaseSeconds, startedAt, close };
  } catch (err) {
    await close();
    throw err;
  }
}
