/**
 * The badge page: the local microphone -> (optional degradation, Web Audio) -> @callmos/client's monitor
 * -> <callmos-badge>. Bundled by the example's server with esbuild, as an app's bundler would.
 */
import { createQualityMonitor, defineCallmosBadge } from '@callmos/client';
import { createDegrader } from './degrader.mjs';

defineCallmosBadge();
const $ = (id) => document.getElementById(id);
const log = (line) => ($('log').textContent = `${line}\n${$('log').textContent}`.split('\n').slice(0, 12).join('\n'));

async function start() {
  $('start').disabled = true;
  // Raw capture: echo cancellation, noise suppression and AGC would clean up what we mean to score.
  const mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
  const ctx = new AudioContext();
  await ctx.resume();
  const degrader = createDegrader(ctx, mic);
  const monitor = await createQualityMonitor({
    model: '/models/lite/', // the browser default: streamed, the conv front end runs once per new second
    assetsBaseUrl: '/callmos/', // inference worker, audio worklet and onnxruntime-web, served by this site
    audioContext: ctx,
  });
  const me = monitor.monitorTrack(degrader.track, { id: 'me', label: 'Your microphone' });
  $('badge').track = me;
  me.scores$.subscribe((e) =>
    log(e.scored ? `${e.end.toFixed(0)} s: MOS ${e.mos.toFixed(2)} (smoothed ${e.emaMos.toFixed(2)}, ${e.band})` : `${e.end.toFixed(0)} s: not scored (${e.reason})`),
  );
  $('degrade').disabled = false;
  $('degrade').onchange = (ev) => {
    degrader.setDegraded(ev.target.checked);
    log(ev.target.checked ? 'degrade on' : 'degrade off');
  };
  $('listen').disabled = false;
  $('listen').onchange = (ev) => (ev.target.checked ? degrader.connectListener(ctx.destination) : degrader.disconnectListener(ctx.destination));
  log(`monitoring with ${monitor.modelId} (${monitor.transport})`);
  document.body.dataset.monitoring = 'true';
}

$('start').onclick = () => start().catch((err) => {
  log(`could not start: ${err.name}: ${err.message}`);
  $('start').disabled = false;
});
document.body.dataset.ready = 'true';
