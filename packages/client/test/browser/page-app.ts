/**
 * The test page's script (bundled by the browser test with esbuild, as an app's bundler would bundle
 * @callmos/client). It drives the real package from dist/ and records what it sees on `window.app`,
 * which the test reads with page.evaluate / waitForFunction.
 */
import {
  createQualityMonitor,
  defineCallmosBadge,
  type CallmosBadge,
  type QualityMonitor,
  type ScoreEvent,
  type TrackMonitor,
  type TrackMonitorEvent,
} from '../../dist/index.js';
import { filter } from 'rxjs';

interface Watched {
  monitor: TrackMonitor;
  track: MediaStreamTrack;
  events: ScoreEvent[];
  lifecycle: { type: string; reason?: string; error?: { name: string; message: string } }[];
  bands: string[];
  /** text changes of the badge's aria-live region: must happen on band changes only */
  announcements: string[];
}

interface ErrorInfo {
  name: string;
  message: string;
  code?: string;
  status?: number;
  source?: string;
  problems?: string[];
  /** the name of the cause, when there is one */
  cause?: string;
}

const monitors = new Map<string, QualityMonitor>();
const watched = new Map<string, Watched>();
const longTasks: { start: number; duration: number }[] = [];
/** when the page's own steps ran (performance.now()), to tell which step a long task belongs to */
const marks: { name: string; start: number; end: number }[] = [];

async function marked<T>(name: string, step: () => T | Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await step();
  } finally {
    marks.push({ name, start, end: performance.now() });
  }
}
let mic: MediaStream | null = null;
const peers: RTCPeerConnection[] = [];

new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
}).observe({ type: 'longtask', buffered: true });

defineCallmosBadge();

function errorInfo(err: unknown): ErrorInfo {
  const e = err as Error & { code?: string; status?: number; source?: string; problems?: readonly string[] };
  return {
    name: e.name,
    message: e.message,
    code: e.code,
    status: e.status,
    source: e.source,
    problems: e.problems ? [...e.problems] : undefined,
    cause: e.cause instanceof Error ? e.cause.name : undefined,
  };
}

async function getMic(): Promise<MediaStream> {
  // Raw capture: echo cancellation, noise suppression and AGC would change what is scored.
  mic ??= await marked('getUserMedia', () =>
    navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } }),
  );
  return mic;
}

function watch(name: string, id: string, track: MediaStreamTrack, options: { captureSeconds?: number; peerConnection?: RTCPeerConnection } = {}): void {
  const monitor = monitors.get(name);
  if (!monitor) throw new Error(`no monitor ${name}`);
  const start = performance.now();
  const tm = monitor.monitorTrack(track, { id, label: `${id} (${name})`, ...options });
  marks.push({ name: `monitorTrack ${id}`, start, end: performance.now() });
  const w: Watched = { monitor: tm, track, events: [], lifecycle: [], bands: [], announcements: [] };
  tm.scores$.subscribe((e) => w.events.push(e));
  tm.band$.subscribe((b) => w.bands.push(b));
  tm.events$.subscribe((e: TrackMonitorEvent) =>
    w.lifecycle.push({ type: e.type, ...(e.type === 'ended' ? { reason: e.reason } : {}), ...(e.type === 'error' ? { error: errorInfo(e.error) } : {}) }),
  );
  watched.set(id, w);
  const badge = document.createElement('callmos-badge') as CallmosBadge;
  badge.id = `badge-${id}`;
  badge.track = tm;
  // the same track's events through an observable (the other way to bind a badge)
  const fromObservable = document.createElement('callmos-badge') as CallmosBadge;
  fromObservable.id = `badge-obs-${id}`;
  fromObservable.setAttribute('label', `${id} (observable)`);
  fromObservable.track = monitor.scores$.pipe(filter((e: ScoreEvent) => e.streamId === id));
  const row = document.createElement('div');
  row.className = 'row';
  row.append(`${id}: `, badge, ' ', fromObservable);
  document.getElementById('badges')!.append(row);
  const live = badge.shadowRoot!.querySelector('[aria-live]')!;
  new MutationObserver(() => w.announcements.push(live.textContent ?? '')).observe(live, { childList: true, characterData: true, subtree: true });
}

const app = {
  async createMonitor(name: string, options: { model: string; assetsBaseUrl?: string; numThreads?: number }) {
    const t0 = performance.now();
    try {
      const m = await marked(`createQualityMonitor ${name}`, () => createQualityMonitor(options));
      monitors.set(name, m);
      return { ok: true, modelId: m.modelId, transport: m.transport, backend: m.backend, ms: performance.now() - t0 };
    } catch (err) {
      return { ok: false, error: errorInfo(err) };
    }
  },

  async monitorMic(name: string, id: string, captureSeconds = 0) {
    const stream = await getMic();
    // A clone per monitored copy: ending or muting one must not touch the others.
    watch(name, id, stream.getAudioTracks()[0]!.clone(), { captureSeconds });
    return { settings: watched.get(id)!.track.getSettings() };
  },

  /** A steady tone (a hum: energy in every frame, no speech) from an oscillator, as a track. */
  async monitorTone(name: string, id: string, hz = 300) {
    const context = new AudioContext();
    const oscillator = new OscillatorNode(context, { frequency: hz });
    const gain = new GainNode(context, { gain: 0.14 }); // about -20 dBFS
    const destination = new MediaStreamAudioDestinationNode(context);
    oscillator.connect(gain).connect(destination);
    oscillator.start();
    watch(name, id, destination.stream.getAudioTracks()[0]!);
    return { sampleRate: context.sampleRate };
  },

  /** Sends the microphone through two RTCPeerConnections in this page and monitors the received track. */
  async monitorLoopback(name: string, id: string) {
    const stream = await getMic();
    const t0 = performance.now();
    const sender = new RTCPeerConnection();
    const receiver = new RTCPeerConnection();
    peers.push(sender, receiver);
    sender.onicecandidate = (e) => e.candidate && void receiver.addIceCandidate(e.candidate);
    receiver.onicecandidate = (e) => e.candidate && void sender.addIceCandidate(e.candidate);
    const remote = new Promise<MediaStreamTrack>((resolve) => (receiver.ontrack = (e) => resolve(e.track)));
    sender.addTrack(stream.getAudioTracks()[0]!.clone());
    await sender.setLocalDescription(await sender.createOffer());
    await receiver.setRemoteDescription(sender.localDescription!);
    await receiver.setLocalDescription(await receiver.createAnswer());
    await sender.setRemoteDescription(receiver.localDescription!);
    const track = await remote;
    marks.push({ name: 'loopback negotiation (test driver)', start: t0, end: performance.now() });
    watch(name, id, track, { peerConnection: receiver });
    return { trackId: track.id };
  },

  setEnabled(id: string, enabled: boolean) {
    watched.get(id)!.track.enabled = enabled;
  },

  stopTrack(id: string) {
    watched.get(id)!.track.stop();
  },

  async closeMonitor(name: string) {
    await monitors.get(name)!.close();
    monitors.delete(name);
  },

  stopMonitoring(id: string) {
    watched.get(id)!.monitor.stop();
  },

  events(id: string, from = 0): ScoreEvent[] {
    return watched.get(id)?.events.slice(from) ?? [];
  },

  count(id: string, what: 'scored' | 'notScored' | 'all' = 'scored'): number {
    const events = watched.get(id)?.events ?? [];
    return what === 'all' ? events.length : events.filter((e) => e.scored === (what === 'scored')).length;
  },

  lifecycle(id: string) {
    return watched.get(id)?.lifecycle ?? [];
  },

  bands(id: string) {
    return watched.get(id)?.bands ?? [];
  },

  announcements(id: string) {
    return watched.get(id)?.announcements ?? [];
  },

  badge(id: string) {
    const el = document.getElementById(`badge-${id}`)!;
    const live = el.shadowRoot!.querySelector('[aria-live]')!;
    return {
      band: el.getAttribute('band'),
      mos: el.getAttribute('mos'),
      text: el.shadowRoot!.querySelector('.badge')!.textContent,
      title: el.getAttribute('title'),
      live: live.textContent,
      liveAttr: live.getAttribute('aria-live'),
    };
  },

  async stats(id: string) {
    return watched.get(id)!.monitor.stats();
  },

  /** The captured 16 kHz audio as base64 float32 (little endian). */
  async captured(id: string): Promise<string | null> {
    const samples = await watched.get(id)!.monitor.capturedAudio();
    if (!samples) return null;
    return marked('base64 of captured audio (test driver)', () => {
      const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s);
    });
  },

  longTasks(since = 0) {
    return longTasks.filter((t) => t.start >= since);
  },

  marks() {
    return marks;
  },

  addMark(name: string, start: number, end: number) {
    marks.push({ name, start, end });
  },

  now() {
    return performance.now();
  },

  isolated() {
    return crossOriginIsolated;
  },
};

(window as unknown as { app: typeof app }).app = app;
document.body.dataset.ready = 'true';
