/** External tools the browser tests need; each test that needs one skips, saying why, without it. */
import { existsSync } from 'node:fs';

export { findTool, ffmpegPath, ffmpeg, decodeAudio, runTool as run } from '../../../../examples/lib/ffmpeg.mjs';

export const chromiumPath = process.env.CALLMOS_CHROMIUM ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : null);
