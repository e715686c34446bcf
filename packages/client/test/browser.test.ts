/**
 * Acceptance in a real browser (Debian Chromium via playwright-core, not jsdom): a localhost page
 * monitors a fake microphone playing a WAV this test made, and a loopback remote track; the badge, the
 * scores against the Node CLI's, network MOS, bad input, and the note's measurements (worker ms per
 * second of audio, main-thread long tasks). Screenshots and measurements go to test-artifacts/client/.
 *
 * Two browser launches (the fake microphone is fixed per launch): clean speech on a crossOriginIsolated
 * page (SharedArrayBuffer ring transport), degraded speech on a plain page (transferable messages).
 * Needs the build (npm test builds first), chromium and ffmpeg; skips, saying which is missing, without.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SPEECH_DETECTOR } from '@callmos/core';
import { launchChromium } from './helpers/browser.js';
import { CLI, cliScore, cliScoreAll } from './helpers/cli.js';
import { FAITHFUL_CAPTURE_SNR_DB, rotatedLoop, windowAlignment } from './helpers/align.js';
import { CLIP_RATE, makeClips, type Clips } from './helpers/clips.js';
import { startStaticServer, type StaticServer } from './helpers/static-server.js';
import { chromiumPath, decodeAudio, ffmpegPath } from './helpers/tools.js';
import { writeWav } from './helpers/wav.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const DIST = join(REPO, 'packages/client/dist');
const MODELS = join(REPO, 'models');
const CORE_FIXTURES = join(REPO, 'packages/core/test/fixtures/models');
const ARTIFACTS = join(REPO, 'test-artifacts/client');
// seconds of the worker's 16 kHz input the page keeps for the CLI comparison (long enough to outlast two
// fake-microphone glitches under load: see the comparison test)
const CAPTURE_S = 24;
/** scored windows the clean check waits for: 4 s windows every 1 s over the 16 s loop, one whole pass and some */
const CLEAN_PASS_WINDOWS = 18;

const modelInstalled = (name: string) => existsSync(join(MODELS, name, 'model.onnx')) && existsSync(join(MODELS, name, 'card.json'));
const missing = [
  !chromiumPath && 'chromium (apt-get install -y chromium)',
  !ffmpegPath && 'ffmpeg',
  !existsSync(join(DIST, 'index.js')) && 'packages/client/dist (npm run build)',
  !existsSync(CLI) && 'packages/node/dist (npm run build)',
  !modelInstalled('tiny') && 'models/tiny',
].filter(Boolean);
if (missing.length > 0) console.warn(`browser.test.ts: skipping the browser acceptance tests, missing: ${missing.join(', ')}`);

/**
 * The quality thresholds (clean settles on 'good', degraded lower by >= 1.0, bands) only mean something for a trained
 * model; a placeholder (untrained, same contract) still runs every other check.
 */
function isTrained(name: string): boolean {
  const card = JSON.parse(readFileSync(join(MODELS, name, 'card.json'), 'utf8'));
  return (card.training?.valPearson ?? 0) >= 0.5 || Object.keys(card.accuracy ?? {}).length > 0;
}
const tinyTrained = modelInstalled('tiny') && isTrained('tiny');
if (modelInstalled('tiny') && !tinyTrained) {
  console.warn('browser.test.ts: models/tiny is an untrained placeholder, the MOS threshold checks are skipped');
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>callmos client test</title>
<style>body{font:14px system-ui;margin:16px} .row{margin:6px 0}</style>
<h1>callmos</h1><div id="badges"></div><script type="module" src="/client/page.js"></script>`;

/** What the note on the issue needs, filled as the tests go. */
const measurements: Record<string, unknown> = {};

let work: string;
let clips: Clips;
let server: StaticServer;

beforeAll(async () => {
  if (missing.length > 0) return;
  work = mkdtempSync(join(tmpdir(), 'callmos-client-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  clips = makeClips(work);
  measurements.clip = clips.source;
  await build({
    entryPoints: [fileURLToPath(new URL('./browser/page-app.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(work, 'page.js'),
    logLevel: 'error',
  });
  server = await startStaticServer(
    {
      '/client/page.js': join(work, 'page.js'),
      '/client/': DIST,
      '/models/': MODELS,
      // a graph that does not match its card: the contract fixture card with the wrong-bins graph
      '/bad/contract/card.json': join(CORE_FIXTURES, 'tiny-ok.card.json'),
      '/bad/contract/model.onnx': join(CORE_FIXTURES, 'wrong-bins.onnx'),
    },
    { '/index.html': PAGE },
  );
}, 120_000);

afterAll(async () => {
  await server?.close();
  // CALLMOS_KEEP_WORK=1 keeps the clips and captured audio for a closer look
  if (work && !process.env.CALLMOS_KEEP_WORK) rmSync(work, { recursive: true, force: true });
  else if (work) console.warn(`browser.test.ts: kept ${work}`);
  if (Object.keys(measurements).length > 1) writeFileSync(join(ARTIFACTS, 'measurements.json'), `${JSON.stringify(measurements, null, 2)}\n`);
});

async function openPage(browser: Browser, path: string): Promise<Page> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  (page as Page & { problems?: string[] }).problems = problems;
  await page.goto(`${server.url}${path}`);
  await page.waitForFunction('document.body.dataset.ready === "true"');
  return page;
}

type Ev = { start: number; end: number; scored: boolean; speechRatio: number; mos: number | null; emaMos?: number; band?: string; reason?: string; network?: { mos: number; codec: string }; skippedWindows?: number };

const evaluate = <T>(page: Page, expr: string): Promise<T> => page.evaluate(expr) as Promise<T>;
const waitFor = (page: Page, expr: string, timeout = 60_000) => page.waitForFunction(expr, undefined, { timeout, polling: 250 });

/** Worker compute per second of audio for a monitored track (the note's number). */
async function computePerSecond(page: Page, id: string) {
  const s = await evaluate<{ audioSeconds: number; dspMs: number; inferenceMs: number; speechDetectorMs: number; windowsScored: number; windowsSkipped: number; transport: string }>(
    page,
    `app.stats(${JSON.stringify(id)})`,
  );
  return {
    ...s,
    msPerSecond: (s.dspMs + s.inferenceMs + s.speechDetectorMs) / s.audioSeconds,
    dspMsPerSecond: s.dspMs / s.audioSeconds,
    speechDetectorMsPerSecond: s.speechDetectorMs / s.audioSeconds,
    inferenceMsPerWindow: s.inferenceMs / Math.max(1, s.windowsScored),
  };
}

/** The badge area, captioned with the clip it scores. */
async function screenshot(page: Page, name: string, caption: string): Promise<void> {
  const start = await evaluate<number>(page, 'app.now()');
  await page.evaluate(`document.querySelector('h1').textContent = ${JSON.stringify(`callmos — ${caption}`)}`);
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), clip: { x: 0, y: 0, width: 900, height: 120 } });
  await page.evaluate(`app.addMark('screenshot (test driver)', ${start}, app.now())`);
}

/** Browser and CLI scores of the windows both scored at the same stream times, within the first `seconds`. */
function pairUp(browser: Ev[], cli: { start: number; scored: boolean; mos: number | null }[], seconds: number) {
  return browser
    .filter((e) => e.scored && e.end <= seconds - 0.05)
    .map((e) => ({ browser: e.mos!, cli: cli.find((w) => w.scored && Math.abs(w.start - e.start) < 1e-6)?.mos }))
    .filter((p): p is { browser: number; cli: number } => typeof p.cli === 'number');
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
let cleanEma: number | undefined;
let cleanMean: number | undefined;

describe.skipIf(missing.length > 0)('clean microphone, crossOriginIsolated page (shared ring)', () => {
  let browser: Browser;
  let page: Page;
  let monitorStart = 0;

  beforeAll(async () => {
    browser = await launchChromium(clips.clean);
    page = await openPage(browser, '/isolated/index.html');
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('loads the model in the worker, from the page origin only', async () => {
    expect(await evaluate(page, 'app.isolated()')).toBe(true);
    monitorStart = await evaluate<number>(page, 'app.now()');
    const r = await evaluate<{ ok: boolean; modelId: string; transport: string; backend: { loadMs: number; speechDetector: string; streaming: boolean }; error?: unknown }>(
      page,
      `app.createMonitor('tiny', { model: '/models/tiny/' })`,
    );
    expect(r.error).toBeUndefined();
    expect(r).toMatchObject({ ok: true, transport: 'shared-ring', backend: { speechDetector: 'silero-vad-v6', streaming: true } });
    expect(r.modelId).toMatch(/^tiny@/);
    measurements.tinyLoadMs = r.backend.loadMs;
    const paths = server.requests.map((q) => q.path);
    expect(paths).toContain('/client/inference-worker.js');
    expect(paths).toContain('/client/tap-worklet.js');
    expect(paths).toContain('/client/ort/ort-wasm-simd-threaded.wasm');
    expect(paths).toContain('/models/tiny/model.onnx');
    // the streaming pair beside the card: windows after the first cost one hop of the front end
    expect(paths).toContain('/models/tiny/front.onnx');
    expect(paths).toContain('/models/tiny/back.onnx');
    expect(paths).toContain('/client/vad/silero_vad_16k_op15.onnx');
  });

  it('a hum is not speech: the speech detector in the worker leaves every window of a tone unscored', async () => {
    await evaluate(page, `app.monitorTone('tiny', 'tone', 300)`);
    // 4 s for the first window, then one per 1 s hop
    await waitFor(page, `app.count('tone', 'all') >= 3`, 30_000);
    await evaluate(page, `app.stopMonitoring('tone')`);
    const events = await evaluate<Ev[]>(page, `app.events('tone')`);
    measurements.tone = { windows: events.length, speechRatios: events.map((e) => e.speechRatio) };
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events.every((e) => !e.scored && e.reason === 'no-speech' && e.mos === null)).toBe(true);
  }, 60_000);

  it('scores the clean microphone; the badge settles on good', async () => {
    const { settings } = await evaluate<{ settings: { sampleRate: number; channelCount: number } }>(page, `app.monitorMic('tiny', 'mic', ${CAPTURE_S})`);
    measurements.capture = { sampleRate: settings.sampleRate, channelCount: settings.channelCount, clipRate: CLIP_RATE };
    // a whole pass of the 16 s loop (every start in it begins a window) before the badge is read: see below
    await waitFor(page, `app.count('mic') >= ${CLEAN_PASS_WINDOWS}`, 90_000);
    const events = await evaluate<Ev[]>(page, `app.events('mic')`);
    const scored = events.filter((e) => e.scored);
    const last = scored[scored.length - 1]!;
    cleanEma = last.emaMos!;
    cleanMean = mean(scored.map((e) => e.mos!));
    const badge = await evaluate<{ band: string; mos: string; live: string; liveAttr: string; title: string }>(page, `app.badge('mic')`);
    await screenshot(page, 'clean', `clean speech (${clips.source})`);
    measurements.clean = { emaMos: cleanEma, meanMos: cleanMean, windows: scored.length, band: last.band, badge };

    expect(events.every((e) => e.speechRatio !== undefined && e.end - e.start === 4)).toBe(true);
    expect(badge.band).toBe(last.band);
    expect(Number(badge.mos)).toBeCloseTo(cleanEma, 2);
    expect(badge.liveAttr).toBe('polite');
    expect(badge.title).toMatch(/Speech quality \(MOS\)/);
    // announced once per band change, not once per score
    const bands = await evaluate<string[]>(page, `app.bands('mic')`);
    const announcements = await evaluate<string[]>(page, `app.announcements('mic')`);
    expect(announcements).toEqual(bands.map((b) => `mic (tiny): call quality ${b}`));
    // a badge bound to an observable shows the same
    const [direct, viaObservable] = await evaluate<{ band: string; mos: string }[]>(page, `[app.badge('mic'), app.badge('obs-mic')]`);
    expect([viaObservable!.band, viaObservable!.mos]).toEqual([direct!.band, direct!.mos]);
    if (tinyTrained) {
      // The acceptance: the badge settles on good. Core's band enters 'good' at an EMA of 3.5 and leaves it
      // under 3.3, so a 'good' band has been at 3.5 and not since under 3.3. Not "the EMA is >= 3.5 now":
      // where the capture starts in the 16 s loop decides which windows the EMA weighs most, and the
      // teachers themselves (mean of NISQA and DNSMOS P.808, every 4 s window of this clip) end at an EMA
      // of 3.45 to 3.68 depending on that start (tiny 1.4: 3.42 to 3.82; tiny 1.2 read clean speech ~0.2 high).
      // Read after the first 10 windows, the band depended on that start too: a start on the clip's weaker
      // stretch (teachers ~3.4-3.5 there) could keep even the teachers' EMA under 3.5 for 10 windows, and
      // tiny 1.4's own 10-window mean was 3.65 in one run and 3.47 in the next. After a whole pass every
      // start has been through the clip's stronger stretch, so the check is about the clip, not the start.
      expect(last.band).toBe('good');
      expect(cleanEma).toBeGreaterThanOrEqual(3.3);
    }
  }, 120_000);

  it("scores equal the Node CLI's on the same audio (within 0.05 MOS)", async () => {
    // 1. exactly the samples the worker scored, window by window (the last captured window ends at CAPTURE_S)
    await waitFor(page, `app.count('mic', 'all') >= ${CAPTURE_S - 3}`, 45_000);
    const b64 = await evaluate<string>(page, `app.captured('mic')`);
    const buf = Buffer.from(b64, 'base64');
    const captured = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    expect(captured.length).toBe(CAPTURE_S * 16000);
    const capturedWav = join(work, 'captured-16k.wav');
    writeWav(capturedWav, captured, 16000, 'float32');
    writeWav(join(ARTIFACTS, 'captured-16k.wav'), captured, 16000, 'float32');
    const cli = cliScore(capturedWav, join(MODELS, 'tiny'));
    const browserEvents = await evaluate<Ev[]>(page, `app.events('mic')`);
    const pairs = pairUp(browserEvents, cli.windowScores, CAPTURE_S);
    expect(pairs.length).toBeGreaterThanOrEqual(6);
    const diffs = pairs.map((p) => Math.abs(p.browser - p.cli));
    const maxWindowDiff = Math.max(...diffs);
    // 2. the clip the fake microphone played, through Chromium's capture, the AudioContext and the tap's
    //    resampler: each scored window located in the looping clip on its own (a capture glitch under CPU
    //    load shifts everything after it), and the CLI on the clip from there, with a second of context on
    //    either side so that its resampler is as settled as the tap's. Windows that straddle a glitch hold
    //    no single stretch of the clip: they are counted and left out, since they are not the same audio.
    const clip = decodeAudio(clips.clean, CLIP_RATE);
    const clip16k = decodeAudio(clips.clean, 16000);
    const played = browserEvents.filter((e) => e.scored && e.end <= CAPTURE_S - 0.05);
    const located = played.map((e) => ({
      e,
      ...windowAlignment(captured, clip16k, clip, CLIP_RATE, Math.round(e.start * 16000), Math.round((e.end - e.start) * 16000)),
    }));
    const faithful = located.filter((w) => w.snrDb >= FAITHFUL_CAPTURE_SNR_DB);
    const asPlayedDir = join(work, 'as-played');
    mkdirSync(asPlayedDir, { recursive: true });
    const files = faithful.map((w, i) => {
      const f = join(asPlayedDir, `window-${i}.wav`);
      const from = (w.offset - CLIP_RATE + clip.length) % clip.length;
      writeWav(f, rotatedLoop(clip, from, 6 * CLIP_RATE), CLIP_RATE, 'float32');
      return f;
    });
    const asPlayed = files.length > 0 ? cliScoreAll(files, join(MODELS, 'tiny')) : [];
    const playedPairs = faithful
      .map((w, i) => ({ browser: w.e.mos!, cli: asPlayed[i]!.windowScores.find((x) => x.scored && Math.abs(x.start - 1) < 1e-6)?.mos }))
      .filter((p): p is { browser: number; cli: number } => typeof p.cli === 'number');
    const playedDiffs = playedPairs.map((p) => Math.abs(p.browser - p.cli));
    const cliClip = cliScore(clips.clean, join(MODELS, 'tiny'));
    const clipScoreDiff = Math.abs(mean(playedPairs.map((p) => p.browser)) - mean(playedPairs.map((p) => p.cli)));
    measurements.browserVsCli = {
      capturedAudio: { windowsCompared: pairs.length, maxWindowDiff, meanWindowDiff: mean(diffs) },
      clipAsPlayed: {
        windows: located.map((w) => ({ start: w.e.start, loopOffsetS: w.offset / CLIP_RATE, captureSnrDb: Number(w.snrDb.toFixed(1)) })),
        windowsLeftOut: located.length - faithful.length,
        windowsCompared: playedPairs.length,
        maxWindowDiff: Math.max(...playedDiffs),
        meanWindowDiff: mean(playedDiffs),
        clipScoreDiff,
      },
      clipMeans: { cliClipMos: cliClip.mos, browserMeanMos: cleanMean },
    };
    // A glitch spoils at most the 4 windows that hold it. Under a loaded CI the fake microphone glitched twice
    // in 14 s (4 of 10 windows left), so the capture is 24 s long: 21 windows, and 5 must stay comparable.
    // (the message carries every window's place in the loop and capture SNR: a CI log then says what happened)
    expect(playedPairs.length, JSON.stringify(measurements.browserVsCli)).toBeGreaterThanOrEqual(5);
    // As a clip score (the mean over its windows, as the CLI reports a file), and window by window, within 0.05.
    expect(clipScoreDiff).toBeLessThanOrEqual(0.05);
    expect(mean(playedDiffs)).toBeLessThanOrEqual(0.05);
    expect(Math.max(...playedDiffs)).toBeLessThanOrEqual(0.05);
    expect(maxWindowDiff).toBeLessThanOrEqual(0.05);
  }, 120_000);

  it('a muted track is not scored (no speech) and silence does not move the band', async () => {
    const before = await evaluate<number>(page, `app.count('mic', 'all')`);
    await evaluate(page, `app.setEnabled('mic', false)`);
    // windows entirely after the mute: 4 s of silence, then one per 1 s hop
    await waitFor(page, `app.events('mic', ${before}).filter(e => e.reason === 'no-speech').length >= 3`, 30_000);
    await evaluate(page, `app.setEnabled('mic', true)`);
    const after = await evaluate<Ev[]>(page, `app.events('mic', ${before})`);
    // windows straddling the mute still hold enough speech to be scored; from the first silent one on, none is.
    // speechRatio is the speech detector's; the window that first reads no-speech may still hold more than its
    // minSpeechRatio of speech frames when the energy gate (share of frames over -50 dBFS) failed first, so the
    // ratio is held to the detector's bar only from the next window on (seen in a run under CPU load: 0.355,
    // then 0.104, 0).
    const firstSilent = after.findIndex((e) => e.reason === 'no-speech');
    const silent = after.slice(firstSilent, firstSilent + 3);
    measurements.mutedRatios = after.map((e) => [e.start, e.reason ?? 'scored', e.speechRatio]);
    const mutedMessage = JSON.stringify(measurements.mutedRatios);
    expect(silent.every((e) => e.reason === 'no-speech' && !e.scored && e.mos === null), mutedMessage).toBe(true);
    expect(silent.slice(1).every((e) => e.speechRatio < DEFAULT_SPEECH_DETECTOR.minSpeechRatio), mutedMessage).toBe(true);
    // the smoothed MOS and band are carried through silence unchanged
    expect(new Set(silent.map((e) => `${e.emaMos}/${e.band}`)).size).toBe(1);
    expect(silent[0]!.emaMos).toBe(after[firstSilent - 1]?.emaMos ?? silent[0]!.emaMos);
    measurements.muted = { silentWindows: silent.length, bandHeld: silent[0]!.band };
  }, 60_000);

  it('scores a remote track received over a loopback RTCPeerConnection, with network MOS', async () => {
    await evaluate(page, `app.monitorLoopback('tiny', 'remote')`);
    await waitFor(page, `app.events('remote').filter(e => e.scored && e.network).length >= 2`, 60_000);
    const events = await evaluate<Ev[]>(page, `app.events('remote')`);
    const withNetwork = events.filter((e) => e.scored && e.network);
    const n = withNetwork[withNetwork.length - 1]!.network!;
    measurements.remote = { mos: withNetwork.map((e) => e.mos), network: n };
    expect(n.codec).toBe('opus');
    expect(n.mos).toBeGreaterThan(4); // a lossless localhost loopback
    expect(n.mos).toBeLessThanOrEqual(4.5);
    expect(await evaluate<string>(page, `app.badge('remote').title`)).toMatch(/Network \(MOS\)/);
  }, 90_000);

  it('a track that ends: ended event, monitoring of other tracks goes on', async () => {
    const remoteBefore = await evaluate<number>(page, `app.count('remote', 'all')`);
    await evaluate(page, `app.stopTrack('mic')`);
    await waitFor(page, `app.lifecycle('mic').some(e => e.type === 'ended')`, 10_000);
    expect(await evaluate(page, `app.lifecycle('mic').find(e => e.type === 'ended')`)).toEqual({ type: 'ended', reason: 'track-ended' });
    await waitFor(page, `app.count('remote', 'all') >= ${remoteBefore + 2}`, 20_000);
  }, 60_000);

  it('a model URL that 404s and a model of the wrong contract are typed errors; the page keeps running', async () => {
    const notFound = await evaluate<{ ok: boolean; error: { name: string; code: string; status: number; source: string; message: string } }>(
      page,
      `app.createMonitor('missing', { model: '/models/no-such-model/' })`,
    );
    expect(notFound.ok).toBe(false);
    expect(notFound.error).toMatchObject({ name: 'ModelFetchError', code: 'MODEL_NOT_FOUND', status: 404 });
    expect(notFound.error.source).toMatch(/\/models\/no-such-model\/(model\.onnx|card\.json)$/);

    const wrong = await evaluate<{ ok: boolean; error: { name: string; code: string; message: string; problems: string[]; cause?: string } }>(
      page,
      `app.createMonitor('wrong', { model: '/bad/contract/' })`,
    );
    expect(wrong.ok).toBe(false);
    // the same error as node's loader gives: core's ModelLoadError, the ModelContractError as its cause
    expect(wrong.error).toMatchObject({ name: 'ModelLoadError', code: 'MODEL_CONTRACT_MISMATCH', cause: 'ModelContractError' });
    expect(wrong.error.problems.join('\n')).toMatch(/bins/);
    expect(wrong.error.message).toContain('/bad/contract/model.onnx');
    measurements.errors = { notFound: notFound.error.message, wrongContract: wrong.error.message };

    // threads are for crossOriginIsolated pages (this one): onnxruntime-web's pthread pool starts
    const threaded = await evaluate<{ ok: boolean; backend: { numThreads: number } }>(
      page,
      `app.createMonitor('threads', { model: '/models/tiny/', numThreads: 2 })`,
    );
    expect(threaded).toMatchObject({ ok: true, backend: { numThreads: 2 } });
    await evaluate(page, `app.closeMonitor('threads')`);

    const remoteBefore = await evaluate<number>(page, `app.count('remote', 'all')`);
    await waitFor(page, `app.count('remote', 'all') > ${remoteBefore}`, 20_000);
  }, 60_000);

  it('measures worker compute per second of audio and main-thread long tasks', async () => {
    const compute: Record<string, unknown> = { tiny: { mic: await computePerSecond(page, 'mic'), remote: await computePerSecond(page, 'remote') } };
    if (modelInstalled('small')) {
      const r = await evaluate<{ ok: boolean; backend: { loadMs: number } }>(page, `app.createMonitor('small', { model: '/models/small/' })`);
      expect(r.ok).toBe(true);
      measurements.smallLoadMs = r.backend.loadMs;
      await evaluate(page, `app.stopMonitoring('remote')`); // one track at a time, for a clean number
      await evaluate(page, `app.monitorMic('small', 'mic-small')`);
      await waitFor(page, `app.count('mic-small') >= 4`, 90_000);
      compute.small = { mic: await computePerSecond(page, 'mic-small') };
    }
    measurements.workerCompute = compute;
    // Steady state: nothing but monitoring (one or two tracks) on the page for 10 s.
    const quietFrom = await evaluate<number>(page, 'app.now()');
    await new Promise((r) => setTimeout(r, 10_000));
    type LongTask = { start: number; duration: number };
    type Mark = { name: string; start: number; end: number };
    const all = await evaluate<LongTask[]>(page, `app.longTasks(${monitorStart})`);
    const marks = await evaluate<Mark[]>(page, 'app.marks()');
    // which page step each long task overlapped (none: it ran between steps, i.e. while monitoring)
    const attributed = all.map((t) => ({
      ...t,
      during: marks.filter((m) => m.start <= t.start + t.duration && t.start <= m.end).map((m) => m.name),
    }));
    const steady = all.filter((t) => t.start >= quietFrom);
    const byMonitor = attributed.filter((t) => t.during.length === 0 || t.during.some((d) => /^(createQualityMonitor|monitorTrack)/.test(d)));
    measurements.longTasks = { note: 'ms since page load', monitorStart, quietFrom, all: attributed, marks };
    measurements.pageProblems = (page as Page & { problems?: string[] }).problems ?? [];
    measurements.longTasksByMonitor = byMonitor;
    // Steady monitoring: none. Setup (AudioContext, worker start, getUserMedia) runs once on the main
    // thread and, on a loaded 2-core machine, has been seen to exceed 50 ms once (71 ms); a task between
    // set-up steps once took 83 ms at 1.4 s after load while another process held both cores (the long
    // task API measures wall time, so a descheduled renderer reads as a long task). Both are reported
    // in the measurements and bounded here as a regression guard; after set-up the bar is zero.
    expect(steady).toEqual([]);
    expect(byMonitor.every((t) => t.duration < 150)).toBe(true);
  }, 120_000);

  it('close() ends every track with its final numbers', async () => {
    const open = modelInstalled('small') ? 'mic-small' : 'remote';
    await evaluate(page, `app.closeMonitor(${JSON.stringify(modelInstalled('small') ? 'small' : 'tiny')})`);
    expect(await evaluate(page, `app.lifecycle(${JSON.stringify(open)}).at(-1)`)).toEqual({ type: 'ended', reason: 'monitor-closed' });
    const stats = await evaluate<{ audioSeconds: number } | null>(page, `app.stats(${JSON.stringify(open)})`);
    expect(stats!.audioSeconds).toBeGreaterThan(4);
  }, 30_000);
});

describe.skipIf(missing.length > 0)('degraded microphone, plain page (transferable messages)', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium(clips.degraded);
    page = await openPage(browser, '/index.html');
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('noise at 0 dB + Opus 8 kbps: MOS lower by >= 1.0 than clean, band poor', async () => {
    expect(await evaluate(page, 'app.isolated()')).toBe(false);
    // not crossOriginIsolated: no wasm threads
    const threads = await evaluate<{ ok: boolean; error: { name: string } }>(page, `app.createMonitor('t', { model: '/models/tiny/', numThreads: 2 })`);
    expect(threads).toMatchObject({ ok: false, error: { name: 'MonitorSetupError' } });
    // assets from an explicit base URL (an app that copies dist/ itself) instead of beside the module
    const r = await evaluate<{ ok: boolean; transport: string; backend: { numThreads: number } }>(
      page,
      `app.createMonitor('tiny', { model: '/models/tiny/', assetsBaseUrl: '/client/' })`,
    );
    expect(r).toMatchObject({ ok: true, transport: 'messages', backend: { numThreads: 1 } });
    await evaluate(page, `app.monitorMic('tiny', 'mic')`);
    // the same 16 s loop (noise and Opus added), read after the same whole pass as the clean one: their EMAs are compared
    await waitFor(page, `app.count('mic') >= ${CLEAN_PASS_WINDOWS}`, 90_000);
    const events = await evaluate<Ev[]>(page, `app.events('mic')`);
    const scored = events.filter((e) => e.scored);
    const last = scored[scored.length - 1]!;
    await screenshot(page, 'degraded', 'noise at 0 dB SNR + Opus 8 kbps');
    const badge = await evaluate<{ band: string; live: string }>(page, `app.badge('mic')`);
    const cliClip = cliScore(clips.degraded, join(MODELS, 'tiny'));
    measurements.degraded = { emaMos: last.emaMos, meanMos: mean(scored.map((e) => e.mos!)), band: last.band, badge, cliClipMos: cliClip.mos };
    measurements.degradedCompute = await computePerSecond(page, 'mic');
    expect(badge.band).toBe(last.band);
    expect(badge.live).toMatch(new RegExp(`call quality ${last.band}`));
    if (tinyTrained) {
      expect(cleanEma).toBeDefined();
      expect(cleanEma! - last.emaMos!).toBeGreaterThanOrEqual(1.0);
      expect(last.band).toBe('poor');
    }
  }, 120_000);
});
