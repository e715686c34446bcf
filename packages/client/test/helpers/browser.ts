/**
 * Debian's Chromium driven by playwright-core (no browser download): headless, a fake microphone that
 * plays a WAV the test made, media permission granted without UI, autoplay allowed (no user gesture
 * in a test), and nothing reaching the network beyond localhost.
 */
import { chromium, type Browser } from 'playwright-core';
import { chromiumPath } from './tools.js';

/** `fakeMicWav`: the WAV the fake microphone plays in a loop; without it, pages get no microphone file. */
export async function launchChromium(fakeMicWav?: string): Promise<Browser> {
  if (!chromiumPath) throw new Error('chromium not found (apt-get install -y chromium, or set CALLMOS_CHROMIUM)');
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      ...(fakeMicWav ? [`--use-file-for-fake-audio-capture=${fakeMicWav}`] : []),
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}
