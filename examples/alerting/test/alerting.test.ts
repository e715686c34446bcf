/**
 * The alerting example as users run it: its local receiver gets the JSON of a raised alert (the
 * simulated participant scripted "noisy"), and Ctrl-C ends it with exit 0. The light model and short
 * phases keep the run to seconds.
 */
import { describe, expect, it } from 'vitest';
import { workerMissing } from '../../../packages/server/test/helpers/mediasoup.js';
import { ffmpegPath } from '../../lib/ffmpeg.mjs';
import { interrupt, missingBuild, startExample } from '../../../test/helpers/example-process.js';

const skip = missingBuild() ?? workerMissing ?? (ffmpegPath ? null : 'ffmpeg is not installed');
if (skip) console.warn(`alerting test skipped: ${skip}`);

describe.skipIf(skip !== null)('alerting example', () => {
  it('posts a raised alert for the noisy participant to the local receiver; Ctrl-C exits 0', async () => {
    const example = await startExample('alerting/index.mjs', ['--model', 'tiny', '--phase-seconds', '6'], /webhook received: (.*Ben \(noisy\).*sounds degraded.*)/, {
      timeoutMs: 60_000,
    });
    expect(example.url).toMatch(/MOS \d\.\d\d/);
    expect(example.output()).toMatch(/posted raised for Ben \(noisy\) \(HTTP 204\)|webhook received/);
    interrupt(example);
    expect(await example.exited).toBe(0);
  }, 90_000);
});
