/**
 * A simulated participant's microphone: ffmpeg encodes audio with libopus the way WebRTC does (48 kHz,
 * 20 ms frames, VoIP mode) and sends RTP to a mediasoup PlainTransport. The audio comes either from a WAV
 * read in real time (-re), or from 16-bit PCM written to ffmpeg's stdin by the caller, who then sets the
 * pace (see PcmPacer: a clip played in a loop, with the caller knowing where in it the call is).
 */
import { spawn } from 'node:child_process';
import { ffmpegPath } from './ffmpeg.mjs';

/**
 * @typedef {object} RtpSenderOptions
 * @property {number} port where to send RTP (127.0.0.1)
 * @property {number} rtcpPort where to send RTCP (127.0.0.1)
 * @property {number} ssrc the RTP SSRC (the producer expects it)
 * @property {number} [payloadType] default 100
 * @property {string} [bitrate] Opus bitrate, default '32k'
 * @property {number} [stdinRate] instead of a WAV: mono 16-bit PCM at this rate on ffmpeg's stdin
 */

/**
 * @typedef {object} RtpSender
 * @property {import('node:child_process').ChildProcess} child the ffmpeg process (child.stdin takes the PCM with stdinRate)
 * @property {Promise<number | null>} done resolves when ffmpeg exits normally or is stopped, rejects with its stderr when it fails
 * @property {() => Promise<void>} stop ends ffmpeg (SIGTERM, SIGKILL after 2 s) and waits for it
 */

/**
 * @param {string | null} wav the WAV to send, or null with `stdinRate` @param {RtpSenderOptions} options @returns {RtpSender}
 */
export function sendOpusRtp(wav, { port, rtcpPort, ssrc, payloadType = 100, bitrate = '32k', stdinRate }) {
  if (!ffmpegPath) throw new Error('ffmpeg is not installed (apt-get install ffmpeg)');
  if ((wav === null) === (stdinRate === undefined)) throw new Error('sendOpusRtp: give a WAV or stdinRate, not both');
  const input = wav !== null ? ['-nostdin', '-re', '-i', wav] : ['-f', 's16le', '-ar', String(stdinRate), '-ac', '1', '-i', 'pipe:0'];
  const child = spawn(
    ffmpegPath,
    [
      '-loglevel', 'error', ...input,
      '-ac', '1', '-ar', '48000', '-c:a', 'libopus', '-b:a', bitrate, '-application', 'voip', '-frame_duration', '20',
      '-payload_type', String(payloadType), '-ssrc', String(ssrc), '-f', 'rtp', `rtp://127.0.0.1:${port}?rtcpport=${rtcpPort}&pkt_size=1200`,
    ],
    {
      stdio: [wav === null ? 'pipe' : 'ignore', 'ignore', 'pipe'],
      // Fed through stdin, ffmpeg is stopped by its owner (stop(), or stdin closing when the owner dies),
      // not by a terminal's Ctrl-C reaching the whole process group before the owner could stop it.
      detached: wav === null,
    },
  );
  let stderr = '';
  let stopping = false;
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once('exit', () => resolve(undefined)));
  /** @type {Promise<number | null>} */
  const done = new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 || code === null || stopping ? resolve(code) : reject(new Error(`ffmpeg exited ${code}: ${stderr}`))));
  });
  done.catch(() => undefined); // a caller that only stops it does not get an unhandled rejection
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    stopping = true;
    child.stdin?.destroy();
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(kill);
  };
  return { child, done, stop };
}
