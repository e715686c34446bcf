/**
 * Acceptance for the in-call badge example: its server runs as users run it, Debian Chromium opens the
 * page with a fake microphone playing clean speech (the client tests' clip), the user presses "Start
 * microphone", and the badge shows a fair-or-good score; switching "degrade" on (Web Audio noise +
 * narrowband codec) takes the badge to poor, and its MOS down by at least 1.0.
 * Screenshots: test-artifacts/examples/badge-{clean,degraded}.png.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../packages/client/test/helpers/browser.js';
import { makeClips } from '../../../packages/client/test/helpers/clips.js';
import { chromiumPath, ffmpegPath } from '../../../packages/client/test/helpers/tools.js';
import { speechSource } from '../../lib/speech.mjs';
import { interrupt, missingBuild, REPO, startExample, type ExampleProcess } from '../../../test/helpers/example-process.js';

const ARTIFACTS = join(REPO, 'test-artifacts/examples');
const skip =
  missingBuild() ??
  (chromiumPath ? null : 'chromium is not installed') ??
  (ffmpegPath ? null : 'ffmpeg is not installed') ??
  (existsSync(join(REPO, 'models/lite/model.onnx')) ? null : 'models/lite is not installed') ??
  // "clean" must be read speech: the TTS fixture scores ~2.4 (poor) even without degradation
  (speechSource.startsWith('librispeech') ? null : 'needs the LibriSpeech subset of ../shared/corpora for clean speech');
if (skip) console.warn(`badge test skipped: ${skip}`);

describe.skipIf(skip !== null)('in-call-badge example in Chromium (fake microphone)', () => {
  let work: string;
  let server: ExampleProcess;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'callmos-badge-'));
    const clips = makeClips(work);
    server = await startExample('in-call-badge/server.mjs', ['--port', '0'], /badge example at (http:\S+)/);
    browser = await launchChromium(clips.clean);
    page = await browser.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction('document.body.dataset.ready === "true"');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (server) interrupt(server);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const badge = () =>
    page.$eval('#badge', (b) => ({ band: b.getAttribute('band'), mos: Number(b.getAttribute('mos')) }));

  it('scores the clean microphone: the badge shows fair or good', async () => {
    await page.click('#start');
    await page.waitForFunction('document.body.dataset.monitoring === "true"', undefined, { timeout: 60_000 });
    // 10 windows scored: the smoothed MOS has settled on the clean speech
    await page.waitForFunction(`(document.getElementById('log').textContent.match(/MOS \\d/g) ?? []).length >= 10`, undefined, { timeout: 60_000, polling: 250 });
    const clean = await badge();
    console.info(`badge, degrade off: ${JSON.stringify(clean)}`);
    expect(['fair', 'good']).toContain(clean.band);
    await page.screenshot({ path: join(ARTIFACTS, 'badge-clean.png'), clip: { x: 0, y: 0, width: 800, height: 330 } });
    (globalThis as { cleanMos?: number }).cleanMos = clean.mos;
  }, 90_000);

  it('drops to poor when the degrade toggle is switched on', async () => {
    const cleanMos = (globalThis as { cleanMos?: number }).cleanMos!;
    await page.check('#degrade');
    await page.waitForFunction(`document.getElementById('badge').getAttribute('band') === 'poor'`, undefined, { timeout: 40_000, polling: 250 });
    await page.waitForFunction(`Number(document.getElementById('badge').getAttribute('mos')) <= ${cleanMos - 1.0}`, undefined, { timeout: 20_000, polling: 250 });
    const degraded = await badge();
    console.info(`badge, degrade on: ${JSON.stringify(degraded)} (was ${cleanMos.toFixed(2)})`);
    await page.screenshot({ path: join(ARTIFACTS, 'badge-degraded.png'), clip: { x: 0, y: 0, width: 800, height: 330 } });
    expect(problems).toEqual([]);
  }, 90_000);
});
