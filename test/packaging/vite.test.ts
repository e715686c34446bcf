/**
 * @callmos/client as a Vite user gets it: installed from its tarball, imported by an app with no Vite
 * config of its own, with a shipped model from @callmos/models (`?url` imports), under Vite's dev server
 * and from a production build, in Debian's Chromium with a fake microphone; the worker, worklet,
 * onnxruntime-web wasm and the model must all load from the app's origin (no 404) and the first window
 * must be scored.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../packages/client/test/helpers/browser.js';
import { chromiumPath } from '../../packages/client/test/helpers/tools.js';
import { freePort } from '../helpers/ports.js';
import { makeConsumer, repoRoot, type Consumer } from './consumer.js';

const VITE = '8.3.8';
const built = existsSync(path.join(repoRoot, 'packages/client/dist/index.js'));
const micWav = path.join(repoRoot, 'models/fixtures/clean-tts.wav');


interface ViteProcess {
  url: string;
  /** Stops vite and the npx above it (their own process group). */
  stop(): void;
}

/** Starts `vite <args>` in the app on a free port and resolves with its URL once it listens. */
async function startVite(cwd: string, args: string[]): Promise<ViteProcess> {
  const port = await freePort();
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['vite', ...args, '--port', String(port), '--strictPort', '--host', '127.0.0.1'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const stop = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips vite's ANSI colours (ESC [ ... m)
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
      if (m) resolve({ url: m[1], stop });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`vite ${args.join(' ')} exited (${code}) before listening:\n${out}`)));
  });
}

describe.skipIf(!built || !chromiumPath)('@callmos/client in a Vite app', () => {
  let consumer: Consumer;
  let app: string;
  let browser: Browser;
  beforeAll(async () => {
    consumer = makeConsumer({ vite: VITE });
    app = path.join(consumer.root, 'vite-app');
    cpSync(new URL('./vite-app/', import.meta.url), app, { recursive: true });
    browser = await launchChromium(micWav);
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function firstScore(url: string): Promise<{ mos: number; streaming: boolean; failed: string[] }> {
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    page.on('pageerror', (e) => failed.push(`page error: ${e.message}`));
    try {
      await page.goto(url);
      // a string, evaluated in the page: this file is type-checked without the DOM's types
      const { mos, backend } = (await page.evaluate('window.firstScore()')) as { mos: number; backend: { streaming: boolean } };
      return { mos, streaming: backend.streaming, failed };
    } finally {
      await page.close();
    }
  }

  it('scores the microphone under the dev server', async () => {
    const vite = await startVite(app, []);
    try {
      const { mos, streaming, failed } = await firstScore(vite.url);
      expect(failed).toEqual([]);
      expect(streaming, 'the streaming pair loaded from its ?url imports').toBe(true);
      expect(mos).toBeGreaterThan(1);
      expect(mos).toBeLessThan(5);
    } finally {
      vite.stop();
    }
  }, 120_000);

  it('builds, emitting the worker, worklet, wasm and model, and scores from the build', async () => {
    consumer.run('npx', ['vite', 'build', 'vite-app']);
    const assets = readdirSync(path.join(app, 'dist', 'assets'));
    for (const pattern of [/^inference-worker.*\.js$/, /^tap-worklet.*\.js$/, /\.wasm$/, /^model.*\.onnx$/, /^card.*\.json$/, /^front.*\.onnx$/, /^back.*\.onnx$/]) {
      expect(assets.some((a) => pattern.test(a)), `${pattern} in ${assets.join(', ')}`).toBe(true);
    }
    const preview = await startVite(app, ['preview']);
    try {
      const { mos, streaming, failed } = await firstScore(preview.url);
      expect(failed).toEqual([]);
      expect(streaming, 'the streaming pair emitted and loaded from the build').toBe(true);
      expect(mos).toBeGreaterThan(1);
    } finally {
      preview.stop();
    }
  }, 180_000);
});
