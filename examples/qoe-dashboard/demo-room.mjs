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
 * The participants run on a worker thread of their own: they stand for other machines, and must keep
 * their pace however busy the SFU's thread gets.
 */
import { Worker } from 'node:worker_threads';
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
 * The simulated participants: two steady references and two that go through trouble. `speech` picks
 * their voice: which of the cleanest LibriSpeech utterances (speech16k's `cleanest` order) they read.
 * @type {{ name: string, script: Phase[], speech: number }[]}
 */
export const PARTICIPANTS = [
  { name: 'Ana (clean)', script: ['clean', 'clean', 'clean', 'clean', 'clean'], speech: 5 },
  { name: 'Ben (noisy)', script: ['noisy', 'noisy', 'noisy', 'noisy', 'noisy'], speech: 0 },
  { name: 'Caro (scripted)', script: ['clean', 'noisy', 'loss', 'recovered', 'muted'], speech: 6 },
  { name: 'Dev (bad network)', script: ['clean', 'loss', 'loss', 'recovered', 'recovered'], speech: 8 },
];

/**
 * The phase a script is in at `elapsedSec` seconds of audio (the script loops).
 * @param {number} elapsedSec @param {Phase[]} script @param {number} phaseSeconds @returns {Phase}
 */
export function scriptedPhase(elapsedSec, script, phaseSeconds) {
  const cycle = script.length * phaseSeconds;
  const t = ((elapsedSec % cycle) + cycle) % cycle;
  return script[Math.min(script.length - 1, Math.floor(t / phaseSeconds))];
}

/**
 * One participant's clip: the script's phases back to back, each the same `phaseSeconds` of 16 kHz
 * speech (so that "clean" and "recovered" are the same audio, and "noisy" differs only by the noise).
 * Loss is not in the clip: the relay makes it, on the network.
 * @param {Phase[]} script @param {number} phaseSeconds @param {number} speechOffset which speech to use
 * @returns {Promise<Float32Array>}
 */
export async function scriptClip(script, phaseSeconds, speechOffset) {
  const speech = await speech16k(phaseSeconds, speechOffset, { cleanest: true });
  return concat(
    script.map((phase, i) => {
      const { snrDb, silent } = PHASES[phase];
      if (silent) return new Float32Array(speech.length);
      return snrDb === null ? speech : mixAtSnr(speech, snrDb, 7 + i);
    }),
  );
}

/**
 * @typedef {object} SenderTarget where one participant's packets go
 * @property {number} port the PlainTransport's RTP port
 * @property {number} rtcpPort its RTCP port
 * @property {number} ssrc the SSRC its producer expects
 */

/**
 * @typedef {object} Simulation the participants' side, running
 * @property {number} startedAt ms since the epoch when the audio started (phase clock zero)
 * @property {() => Promise<void>} stop stops every pacer, ffmpeg and relay
 */

/**
 * The participants' side: for each participant, its clip played in real time into ffmpeg (Opus RTP),
 * through a relay that drops packets during loss phases, to its target. Runs on its own thread (see
 * participants-thread.mjs) so that a busy SFU thread cannot stall the simulated network.
 * @param {SenderTarget[]} targets one per participant
 * @param {{ phaseSeconds: number, participants: typeof PARTICIPANTS, onSenderError?: (name: string, error: Error) => void }} options
 * @returns {Promise<Simulation>}
 */
export async function simulateParticipants(targets, { phaseSeconds, participants, onSenderError }) {
  /** @type {{ script: Phase[], sender: import('../lib/rtp-sender.mjs').RtpSender, relay: LossyRelay, pacer: PcmPacer }[]} */
  const running = [];
  /** @type {LossyRelay[]} */
  const relays = [];
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let clock;
  const stop = async () => {
    clearInterval(clock);
    for (const p of running) p.pacer.stop();
    await Promise.all(running.map((p) => p.sender.stop()));
    for (const r of relays) r.close();
  };
  try {
    // Clips first (a few seconds of CPU), so that the senders start together on one clock.
    /** @type {Float32Array[]} */
    const clips = [];
    for (const p of participants) clips.push(await scriptClip(p.script, phaseSeconds, p.speech));
    for (const [i, t] of targets.entries()) relays.push(await LossyRelay.start(t.port, 0, 4242 + i));
    const startedAt = Date.now();
    participants.forEach((p, i) => {
      // RTP through the relay (the participant's "network"), RTCP straight to the transport.
      const sender = sendOpusRtp(null, { stdinRate: 16000, port: relays[i].port, rtcpPort: targets[i].rtcpPort, ssrc: targets[i].ssrc });
      sender.done.catch((/** @type {Error} */ err) => onSenderError?.(p.name, err));
      const pacer = new PcmPacer(clips[i], 16000, /** @type {import('node:stream').Writable} */ (sender.child.stdin));
      running.push({ script: p.script, sender, relay: relays[i], pacer });
    });
    for (const p of running) p.pacer.start();
    // The network follows the script: the relay drops packets while the audio played is in a loss phase.
    const followScript = () => {
      for (const p of running) {
        const { lossRate } = PHASES[scriptedPhase(p.pacer.seconds, p.script, phaseSeconds)];
        p.relay.dropRate = lossRate;
        p.relay.dropping = lossRate > 0;
      }
    };
    followScript();
    clock = setInterval(followScript, 20);
    return { startedAt, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * @typedef {object} DemoRoom
 * @property {{ name: string, script: Phase[], producerId: string }[]} participants
 * @property {number} phaseSeconds
 * @property {number} startedAt ms since the epoch when the participants' audio started (phase clock zero)
 * @property {() => Promise<void>} close stops the participants (their thread, ffmpeg processes, relays)
 */

/**
 * Starts the simulated participants in `router`: a PlainTransport producer each (appData: name and
 * script, which the monitor carries into participants$ and alerts$), fed from a worker thread.
 * @param {import('mediasoup/types').Router} router
 * @param {{ phaseSeconds?: number, participants?: typeof PARTICIPANTS, onSenderError?: (name: string, error: string) => void }} [options]
 * @returns {Promise<DemoRoom>}
 */
export async function startDemoRoom(router, { phaseSeconds = 12, participants = PARTICIPANTS, onSenderError } = {}) {
  const producers = await Promise.all(
    participants.map((p, i) => plainOpusProducer(router, 1000 + i, { name: p.name, script: p.script.join(' -> ') })),
  );
  const targets = producers.map((p, i) => ({ port: p.port, rtcpPort: p.rtcpPort, ssrc: 1000 + i }));
  const thread = new Worker(new URL('./participants-thread.mjs', import.meta.url), { workerData: { targets, phaseSeconds, participants } });
  const closeProducers = () => producers.forEach((p) => p.transport.close());
  /** @type {Promise<number>} */
  const started = new Promise((resolve, reject) => {
    thread.on('message', (m) => {
      if (m.type === 'started') resolve(m.startedAt);
      else if (m.type === 'sender-error') onSenderError?.(m.name, m.message);
    });
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`the participants' thread exited (${code}) before starting`)));
  });
  let startedAt;
  try {
    startedAt = await started;
  } catch (err) {
    await thread.terminate();
    closeProducers();
    throw err;
  }
  const close = async () => {
    // Ask the thread to stop its ffmpeg processes and wait (bounded); terminate it in any case.
    const stopped = new Promise((resolve) => thread.once('exit', resolve));
    thread.postMessage({ type: 'stop' });
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 4000))]);
    await thread.terminate();
    closeProducers();
  };
  return {
    participants: participants.map((p, i) => ({ name: p.name, script: p.script, producerId: producers[i].producer.id })),
    phaseSeconds,
    startedAt,
    close,
  };
}
