/**
 * The speech detector (issue 15): a tone, pink noise or music carries energy in every frame, so the
 * energy gate let it through and the MOS model rated it as bad speech. With the Silero detector those
 * windows are 'no-speech'; speech is still scored; the verdicts do not depend on chunking; a detector
 * that falls behind or fails says so per window.
 */
import { describe, expect, it } from 'vitest';
import { scoreClip } from '../../src/scoring/score-clip.js';
import { StreamScorer } from '../../src/scoring/stream-scorer.js';
import { SpeechDetector } from '../../src/scoring/speech-detector.js';
import * as ort from 'onnxruntime-node';
import { SileroVad, validateSileroSession } from '../../src/scoring/silero-vad.js';
import { SpeechModelError } from '../../src/model/errors.js';
import { WindowProducer } from '../../src/scoring/window-producer.js';
import type { ScoreEvent } from '../../src/events.js';
import { fixtureModel, fixtureSession } from '../model/fixtures.js';
import { randomChunks } from '../dsp/support.js';
import { SILERO_FILE, chordMusic, concat, fixtureSpeech, ownSileroVad, pinkNoise, pureTone, sileroVad } from './speech-fixtures.js';

/** The served window shape (4 s, hop 1 s), judged without a MOS model. */
async function verdicts(x: Float32Array, chunks?: Float32Array[]) {
  const detector = new SpeechDetector(await sileroVad(), { maxPendingFrames: Infinity }); // offline: a long push is no backlog
  const producer = new WindowProducer({ windowFrames: 400, hopFrames: 100, peakNormalize: false, inputRate: 16000, detector });
  const windows = [...(chunks ?? [x]).flatMap((c) => producer.push(c)), ...producer.end()];
  return Promise.all(windows.map((w) => detector.judge(w)));
}

describe('the speech detector', () => {
  it.each([
    ['a 440 Hz tone', () => pureTone(8)],
    ['pink noise', () => pinkNoise(8)],
    ['music-like chords', () => chordMusic(8)],
  ])('scores no window of %s, which the energy gate alone scores', async (_, make) => {
    const model = await fixtureModel();
    const x = make();
    const gateOnly = await scoreClip(model, x, 16000);
    expect(gateOnly.windows.every((w) => w.scored)).toBe(true); // the bug: energy is not speech
    const withDetector = await scoreClip(model, x, 16000, { speech: await sileroVad() });
    expect(withDetector.windows.length).toBe(gateOnly.windows.length);
    expect(withDetector.windows.filter((w) => w.scored)).toEqual([]);
    expect(withDetector.mos).toBeNull();
    expect(withDetector.reason).toBe('no-speech');
    expect(new Set(withDetector.windows.map((w) => w.reason))).toEqual(new Set(['no-speech']));
  });

  it('still finds speech in every 4 s window of clean and noisy TTS speech', async () => {
    for (const name of ['clean-tts', 'noisy-tts', 'opus6k-loss20-tts']) {
      const judged = await verdicts(fixtureSpeech(name));
      expect(judged.length, name).toBeGreaterThanOrEqual(5);
      for (const { window, skipped } of judged) {
        expect(skipped).toBe(false);
        expect(window.speech, `${name} window at ${window.start} s: ratio ${window.speechRatio}`).toBe(true);
      }
    }
  });

  it('scores a short speech clip (the repeat rule) and not a short tone', async () => {
    const model = await fixtureModel();
    const speech = await scoreClip(model, fixtureSpeech('short-tts'), 16000, { speech: await sileroVad() });
    expect(speech.windows.map((w) => w.scored)).toEqual([true]);
    const tone = await scoreClip(model, pureTone(0.8), 16000, { speech: await sileroVad() });
    expect(tone.windows.map((w) => w.reason)).toEqual(['no-speech']);
  });

  it('reports the fraction of detector frames judged speech as speechRatio', async () => {
    // 4 s of speech then 8 s of tone: the ratio falls window by window
    const judged = await verdicts(concat(fixtureSpeech().subarray(0, 4 * 16000), pureTone(8)));
    expect(judged[0]!.window.speechRatio).toBeGreaterThan(0.5);
    const inTone = judged.filter((v) => v.window.start >= 5);
    expect(inTone.length).toBeGreaterThanOrEqual(4);
    for (const { window } of inTone) expect([window.speechRatio, window.speech]).toEqual([0, false]);
    expect(judged[0]!.window.speech).toBe(true);
  });

  it('gives the same verdicts and scores whatever the chunking, at 48 kHz too', async () => {
    const model = await fixtureModel();
    const speech = await sileroVad();
    const x16 = concat(fixtureSpeech().subarray(0, 5 * 16000), pureTone(3), fixtureSpeech('noisy-tts').subarray(0, 3 * 16000));
    const x48 = Float32Array.from({ length: x16.length * 3 }, (_, i) => x16[Math.floor(i / 3)]!);
    for (const [rate, x] of [[16000, x16], [48000, x48]] as const) {
      const run = async (chunks: Float32Array[]) => {
        const scorer = new StreamScorer({ model, streamId: 's', inputRate: rate, speech, maxPendingWindows: Infinity });
        const events: ScoreEvent[] = [];
        for (const c of chunks) events.push(...(await scorer.push(c)));
        return [...events, ...(await scorer.end())];
      };
      const whole = await run([x]);
      expect(new Set(whole.map((e) => e.scored))).toEqual(new Set([true, false]));
      for (const seed of [1, 2]) {
        const parts = await run([...randomChunks(x, seed, 3000), new Float32Array(0), x.subarray(0, 0)]);
        expect(parts.map((e) => [e.start, e.end, e.scored, e.reason, e.speechRatio])).toEqual(whole.map((e) => [e.start, e.end, e.scored, e.reason, e.speechRatio]));
        parts.forEach((e, i) => expect(Math.abs((e.mos ?? 0) - (whole[i]!.mos ?? 0))).toBeLessThanOrEqual(1e-4));
      }
    }
  });

  it('skips frames it cannot keep up with and says so per window, then goes on', async () => {
    const detector = new SpeechDetector(await sileroVad(), { maxPendingFrames: 8 });
    const producer = new WindowProducer({ windowFrames: 400, hopFrames: 100, peakNormalize: false, inputRate: 16000, detector });
    const speech = fixtureSpeech();
    // 8 s in one push: far more frames than may wait, so most are skipped
    const first = producer.push(speech).map((w) => detector.judge(w));
    const judged = await Promise.all(first);
    expect(detector.skippedFrames).toBeGreaterThan(200);
    expect(judged.length).toBeGreaterThan(0);
    expect(judged.every((v) => v.skipped && !v.window.speech)).toBe(true);
    // fed in real-time-sized pieces again, it keeps up: the windows after the hole get verdicts
    const later: Promise<unknown>[] = [];
    for (let at = 0; at < speech.length; at += 320) {
      for (const w of producer.push(speech.subarray(at, at + 320))) later.push(detector.judge(w));
      await new Promise((r) => setTimeout(r, 0));
    }
    const after = (await Promise.all(later)) as Awaited<(typeof first)[0]>[];
    expect(after.slice(-3).every((v) => !v.skipped && v.window.speech)).toBe(true);
  });

  it('turns skipped frames into skipped-backlog events in the stream scorer', async () => {
    const model = await fixtureModel();
    const scorer = new StreamScorer({ model, streamId: 's', inputRate: 16000, speech: await sileroVad(), vad: { detector: { maxPendingFrames: 4 } } });
    const events = [...(await scorer.push(fixtureSpeech())), ...(await scorer.end())];
    expect(events.some((e) => e.reason === 'skipped-backlog')).toBe(true);
    expect(scorer.skippedWindows).toBe(events.filter((e) => e.reason === 'skipped-backlog').length);
  });

  it('reports an inference failure on the windows it hits, and scoreClip rejects with it', async () => {
    const model = await fixtureModel();
    const session = await ort.InferenceSession.create(SILERO_FILE, { intraOpNumThreads: 1 });
    const failing = Object.create(session) as typeof session;
    failing.run = (() => Promise.reject(new Error('device lost'))) as typeof session.run;
    const broken = await SileroVad.load(failing, ort.Tensor);
    const scorer = new StreamScorer({ model, streamId: 's', inputRate: 16000, speech: broken });
    const events = [...(await scorer.push(fixtureSpeech())), ...(await scorer.end())];
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.reason === 'error' && /silero-vad: inference failed: device lost/.test(e.error ?? ''))).toBe(true);
    await expect(scoreClip(model, fixtureSpeech(), 16000, { speech: broken })).rejects.toThrow(/silero-vad: inference failed/);
    const released = await ownSileroVad();
    await released.release();
    await expect(scoreClip(model, fixtureSpeech(), 16000, { speech: released })).rejects.toThrow(/silero-vad: the speech detector was released/);
  });

  it('batches the frames of concurrent streams into shared runs, each frame as if alone (issue 17)', async () => {
    const session = await ort.InferenceSession.create(SILERO_FILE, { intraOpNumThreads: 1 });
    let runs = 0;
    const counted = Object.create(session) as typeof session;
    counted.run = ((...args: Parameters<typeof session.run>) => (runs++, session.run(...args))) as typeof session.run;
    const shared = await SileroVad.load(counted, ort.Tensor);
    const clips = [fixtureSpeech(), pinkNoise(3), pureTone(3), chordMusic(3)];
    const verdictsOf = async (vad: SileroVad, x: Float32Array) => {
      const detector = new SpeechDetector(vad, { maxPendingFrames: Infinity });
      const producer = new WindowProducer({ card: (await fixtureModel()).card, inputRate: 16000, detector });
      const windows = [...producer.push(x), ...producer.end()];
      return (await Promise.all(windows.map((w) => detector.judge(w)))).map((v) => v.window.speechRatio);
    };
    const together = await Promise.all(clips.map((x) => verdictsOf(shared, x)));
    const frames = clips.reduce((n, x) => n + Math.floor(x.length / 512), 0);
    expect(runs).toBeLessThan(frames / 2); // four streams: mostly batches of four
    const alone = await ownSileroVad();
    for (const [i, x] of clips.entries()) expect(together[i]).toEqual(await verdictsOf(alone, x));
    expect(shared.maxBatch).toBe(64);
  });

  it('counts the batching wait from when a frame arrived: a stream that is behind never waits per frame (issue 17)', async () => {
    // Each stream's frames run one after another (recurrent state). When the wait counted from a frame's
    // queueing, a stream with a backlog waited maxWaitMs for every frame: at 32 ms a frame it could never
    // catch up (31 frames a second arrive), and the monitor's latency grew without bound on a busy core.
    const session = await ort.InferenceSession.create(SILERO_FILE, { intraOpNumThreads: 1 });
    const vad = await SileroVad.load(session, ort.Tensor, { maxWaitMs: 2000 });
    // a frame that arrived long ago runs at once, whatever the wait
    const gave = (ms: number, what: string) => new Promise<string>((r) => setTimeout(() => r(what), ms));
    const old = vad.run(new Float32Array(576), SileroVad.initialState(), performance.now() - 5000).then(() => 'ran');
    expect(await Promise.race([old, gave(1000, 'waited')])).toBe('ran');
    // 5 s of one stream at once (156 frames arriving together): the first waits its 2 s for company, the
    // others arrived as long ago: ~2 s for the window, where a wait per frame would take 125 x 2 s (its frames)
    const detector = new SpeechDetector(vad, { maxPendingFrames: Infinity });
    const producer = new WindowProducer({ windowFrames: 400, hopFrames: 100, peakNormalize: false, inputRate: 16000, detector });
    const [window] = producer.push(fixtureSpeech().subarray(0, 16000 * 5));
    const verdict = detector.judge(window!).then((v) => (v.skipped ? 'skipped' : 'judged'));
    expect(await Promise.race([verdict, gave(30_000, 'waited per frame')])).toBe('judged');
    await vad.release();
  }, 60_000);

  it('rejects graphs that are not Silero v5+ and bad thresholds, naming the problem', async () => {
    const mosGraph = await fixtureSession('tiny-ok');
    expect(() => validateSileroSession('x', mosGraph)).toThrow(SpeechModelError);
    expect(() => validateSileroSession('x', mosGraph)).toThrow(/input "input" is not in the graph; its inputs are "frames"/);
    expect(() => validateSileroSession('v4', { inputNames: ['input', 'sr', 'h', 'c'], outputNames: ['output', 'hn', 'cn'] })).toThrow(/Silero v4 \("legacy"\)/);
    const vad = await sileroVad();
    expect(() => new SpeechDetector(vad, { threshold: 0 })).toThrow(/threshold must be within \(0, 1\]/);
    expect(() => new SpeechDetector(vad, { threshold: 0.5, negThreshold: 0.6 })).toThrow(/negThreshold must be within 0\.\.threshold/);
    expect(() => new SpeechDetector(vad, { minSpeechRatio: 2 })).toThrow(/minSpeechRatio must be within 0\.\.1/);
    expect(() => new SpeechDetector(vad, { maxPendingFrames: 0 })).toThrow(/maxPendingFrames must be an integer >= 1/);
    expect(() => new SpeechDetector(vad, { silenceDbfs: 3 })).toThrow(/silenceDbfs must be <= 0/);
  });

  it('judges digital silence by its level without running the model, with the verdicts of running it (issue 17)', async () => {
    // a participant who speaks, listens (a muted microphone / DTX: zeros) for 6 s, then speaks again
    const speech = fixtureSpeech('clean-tts');
    const x = concat(speech.subarray(0, 3 * 16000), new Float32Array(6 * 16000), speech.subarray(0, 4 * 16000));
    const vad = await sileroVad();
    const judgeAll = async (detector: SpeechDetector) => {
      const producer = new WindowProducer({ windowFrames: 400, hopFrames: 100, peakNormalize: false, inputRate: 16000, detector });
      const windows = [...producer.push(x), ...producer.end()];
      return (await Promise.all(windows.map((w) => detector.judge(w)))).map(({ window }) => [window.start, window.speech]);
    };
    const gated = new SpeechDetector(vad, { maxPendingFrames: Infinity });
    const everyFrame = new SpeechDetector(vad, { maxPendingFrames: Infinity, silenceDbfs: -Infinity });
    const [a, b] = [await judgeAll(gated), await judgeAll(everyFrame)];
    expect(a).toEqual(b);
    expect(a.some(([, isSpeech]) => isSpeech) && a.some(([, isSpeech]) => !isSpeech)).toBe(true);
    // the 6 s of zeros are 187 frames of 32 ms: none of them went through the model
    expect(gated.silentFrames).toBeGreaterThanOrEqual(186);
    expect(everyFrame.silentFrames).toBe(0);
  });
});
