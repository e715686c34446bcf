/**
 * The dashboard page: reads the demo's description (/demo.json), subscribes to the monitor's telemetry
 * over WebSocket (serveTelemetry: score, alert, participants and room messages, and the room's history
 * when it connects, so the chart is full at once) and draws one smoothed MOS line per participant with
 * uPlot, the content MOS beside the network MOS for the participant followed, a table of what each
 * participant sounds like now and why (the cause), and the alerts with their causes.
 */
import uPlot from '/vendor/uplot/uPlot.esm.js';

const COLORS = ['#2b6cb0', '#c05621', '#2f855a', '#805ad5', '#b83280', '#2c7a7b'];
const HISTORY_SECONDS = 180;

const info = await (await fetch('/demo.json')).json();

/** Per participant (by producerId): what the page shows. */
const people = new Map(
  info.participants.map((p, i) => [
    p.producerId,
    {
      ...p,
      color: COLORS[i % COLORS.length],
      /** second since the demo started -> smoothed MOS (null: window not scored, e.g. muted) */
      ema: new Map(),
      /** second since the demo started -> E-model MOS from the network stats at that window */
      net: new Map(),
      /** seconds from the demo's start to this stream's first sample (events carry stream time) */
      offset: null,
      windowMos: [],
      last: null,
      state: null,
      row: null,
    },
  ]),
);
const alertsSeen = [];
const alertKeys = new Set(); // an alert shown once, whether it came live, from /demo.json or from the history
let focus = info.participants[0]?.producerId;

// --- header and alert rule -------------------------------------------------------------------------
document.getElementById('room').textContent = info.room;
document.getElementById('about').textContent =
  `model ${info.model} on ${info.provider.toUpperCase()} · ${info.participants.length} simulated participants ` +
  `(ffmpeg Opus RTP into mediasoup; speech: ${info.speech}) · each script phase lasts ${info.phaseSeconds} s`;
document.getElementById('rule').textContent =
  `(rule: raised when the smoothed MOS stays below ${info.alert.threshold.toFixed(2)} for ${info.alert.seconds} s, ` +
  `cleared once it is back at ${info.alert.clearAt.toFixed(2)} or more for ${info.alert.clearSeconds} s; ` +
  `smoothing time constant ${info.quality.timeConstantSec} s)`;

// --- the table -------------------------------------------------------------------------------------
const tbody = document.querySelector('#participants tbody');
for (const p of people.values()) {
  const tr = document.createElement('tr');
  tr.dataset.name = p.name;
  tr.dataset.producerId = p.producerId;
  tr.innerHTML = `<td><span class="swatch" style="background:${p.color}"></span>${escapeHtml(p.name)}</td>
    <td class="phase"></td><td class="mos"></td><td class="ema"></td><td class="band-cell"></td><td class="cause"></td>
    <td class="network"></td><td class="dims"></td><td class="status"></td>`;
  tr.addEventListener('click', () => {
    focus = p.producerId;
    redrawChart();
  });
  tbody.append(tr);
  p.row = tr;
}

const fmt = (v, digits = 2) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–');
function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
const secondsSinceStart = (ms) => Math.round((ms - info.startedAt) / 1000);

function renderRow(p) {
  const cells = (cls) => p.row.querySelector(`.${cls}`);
  const phase = scriptedPhase((Date.now() - info.startedAt) / 1000, p.script);
  cells('phase').textContent = info.phases[phase] ?? phase;
  const e = p.last;
  cells('mos').textContent = e?.scored ? fmt(e.mos) : e ? `– (${e.reason ?? 'not scored'})` : '…';
  cells('ema').textContent = fmt(e?.emaMos ?? p.state?.emaMos);
  const band = e?.band ?? p.state?.band;
  cells('band-cell').innerHTML = band ? `<span class="band ${band}">${band}</span>` : '–';
  // the aggregator names a cause while the band is not good; a window not scored keeps the last one shown
  if (e?.scored) p.cause = e.cause ?? null;
  const cause = cells('cause');
  cause.textContent = p.cause ? p.cause.kind : '';
  cause.title = p.cause ? causeEvidence(p.cause) : '';
  p.row.dataset.cause = p.cause?.kind ?? '';
  const net = e?.network ?? p.state?.network;
  cells('network').textContent = net ? `${fmt(net.mos)} (loss ${fmt(net.lossPct, 1)} %)` : '–';
  cells('dims').textContent = e?.scored ? Object.entries(e.dims).map(([k, v]) => `${k} ${fmt(v, 1)}`).join(' · ') : '';
  const alerting = p.state?.alerting ?? false;
  const status = cells('status');
  const stalled = p.state?.stalled ?? false; // no RTP reaches the SFU from this participant
  status.className = `status${alerting || stalled ? ' alerting' : ''}`;
  status.textContent = p.state?.closed ? 'left' : alerting ? 'ALERT' : p.state?.paused ? 'paused' : stalled ? 'no audio' : 'ok';
  // for tests and curious readers: how many points the line has, the mean window MOS so far
  const points = [...p.ema.values()].filter((v) => v !== null).length;
  p.row.dataset.points = String(points);
  p.row.dataset.meanMos = p.windowMos.length ? String(p.windowMos.reduce((a, b) => a + b, 0) / p.windowMos.length) : '';
  p.row.dataset.alerting = String(alerting);
}

/** The evidence behind a cause, in a line: probabilities, the measured signal, the network. */
function causeEvidence(c) {
  const likely = Object.entries(c.likelihood ?? {}).map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
  const s = c.signal ? `; level ${fmt(c.signal.levelDbfs, 0)} dBFS, floor ${fmt(c.signal.floorDbfs, 0)} dBFS, dropouts ${fmt(c.signal.dropoutsPerSec, 1)}/s` : '';
  const n = c.network ? `; network loss ${fmt(c.network.lossPct, 1)} %, jitter ${fmt(c.network.jitterMs, 0)} ms` : '';
  return `${likely}${s}${n}`;
}

function scriptedPhase(elapsed, script) {
  const cycle = script.length * info.phaseSeconds;
  const t = ((elapsed % cycle) + cycle) % cycle;
  return script[Math.min(script.length - 1, Math.floor(t / info.phaseSeconds))];
}

// --- the chart -------------------------------------------------------------------------------------
const list = [...people.values()];
/** A MOS-over-time chart (1..5, seconds since the demo started) with these line series. */
const chartWidth = () => Math.min(1100, document.body.clientWidth - 10);
function mosChart(elementId, height, series) {
  const options = {
    width: chartWidth(),
    height,
    scales: { x: { time: false }, y: { range: [1, 5] } },
    axes: [{ label: 'seconds since the demo started' }, { label: 'MOS' }],
    series: [{ label: 's' }, ...series],
  };
  return new uPlot(options, [[], ...series.map(() => [])], document.getElementById(elementId));
}
const chart = mosChart('chart', 300, [
  ...list.map((p) => ({ label: p.name, stroke: p.color, width: 2, spanGaps: false })),
  { label: 'alert threshold', stroke: '#c53030', dash: [6, 4], width: 1, points: { show: false } },
]);
const versus = mosChart('versus', 200, [
  { label: 'content MOS (smoothed)', stroke: '#2b6cb0', width: 2, spanGaps: false },
  { label: 'network MOS (E-model)', stroke: '#718096', width: 2, dash: [4, 3], spanGaps: false },
]);

function redrawChart() {
  const now = secondsSinceStart(Date.now());
  const from = Math.max(0, now - HISTORY_SECONDS);
  const xs = [];
  for (let s = from; s <= now; s++) xs.push(s);
  chart.setData([xs, ...list.map((p) => xs.map((s) => p.ema.get(s) ?? null)), xs.map(() => info.alert.threshold)]);
  const f = people.get(focus);
  document.getElementById('focus-name').textContent = f ? f.name : '–';
  if (f) versus.setData([xs, xs.map((s) => f.ema.get(s) ?? null), xs.map((s) => f.net.get(s) ?? null)]);
}

// --- telemetry -------------------------------------------------------------------------------------
function onMessage(m) {
  if (m.type === 'score') {
    const p = people.get(m.data.streamId);
    if (!p) return;
    p.last = m.data;
    // Place windows by stream time (one per second, never two in one slot), on the demo's clock.
    p.offset ??= Math.round((m.data.timestamp - info.startedAt) / 1000 - m.data.end);
    const at = p.offset + Math.round(m.data.end);
    p.ema.set(at, m.data.scored && m.data.emaMos !== undefined ? m.data.emaMos : null);
    if (m.data.network) p.net.set(at, m.data.network.mos);
    if (m.data.scored) p.windowMos.push(m.data.mos);
    for (const map of [p.ema, p.net]) for (const s of map.keys()) if (s < secondsSinceStart(Date.now()) - HISTORY_SECONDS) map.delete(s);
    renderRow(p);
  } else if (m.type === 'history') {
    // what the server heard before this page connected: the chart is full at once
    for (const [producerId, points] of Object.entries(m.data.streams)) {
      const p = people.get(producerId);
      if (!p) continue;
      for (const point of points) {
        const at = secondsSinceStart(point.t);
        if (!p.ema.has(at)) p.ema.set(at, point.emaMos);
        if (point.networkMos !== null && !p.net.has(at)) p.net.set(at, point.networkMos);
      }
      p.fromHistory = points.length;
    }
    for (const a of m.data.alerts) addAlert(a, a.timestamp ?? Date.now());
    for (const state of m.data.participants ?? []) {
      const p = people.get(state.producerId);
      if (!p) continue;
      p.state = state;
      p.last ??= state.last; // the table is full at once too, not at the next score
      renderRow(p);
    }
    document.body.dataset.history = String(Object.values(m.data.streams).reduce((n, points) => n + points.length, 0));
    redrawChart();
  } else if (m.type === 'participants') {
    for (const state of m.data) {
      const p = people.get(state.producerId);
      if (p) {
        p.state = state;
        renderRow(p);
      }
    }
  } else if (m.type === 'alert') {
    addAlert(m.data);
  } else if (m.type === 'monitor') {
    // the monitor stopped (the mediasoup worker died, or the server is shutting down): say so, not stale numbers
    document.getElementById('about').textContent = `monitoring ${m.data.state === 'down' ? 'is down' : 'stopped'}: ${m.data.reason}`;
  }
}

function addAlert(a, receivedAt = Date.now()) {
  const key = `${a.producerId}/${a.kind}/${a.since}/${a.at}`;
  if (alertKeys.has(key)) return;
  alertKeys.add(key);
  alertsSeen.push(a);
  const li = document.createElement('li');
  li.className = a.kind;
  li.dataset.kind = a.kind;
  li.dataset.name = a.appData?.name ?? a.producerId;
  li.dataset.cause = a.cause?.kind ?? '';
  const time = new Date(receivedAt).toLocaleTimeString();
  li.innerHTML = `${time} <b>${a.kind === 'raised' ? 'RAISED' : 'cleared'}</b> ${escapeHtml(li.dataset.name)}: ` +
    `MOS ${fmt(a.mos)} (${a.band}), ${escapeHtml(a.reason)}` +
    (a.cause ? ` · cause <b>${escapeHtml(a.cause.kind)}</b> <span class="hint">(${escapeHtml(causeEvidence(a.cause))})</span>` : '');
  document.getElementById('alerts').prepend(li);
}

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.host}/callmos?token=${encodeURIComponent(info.token)}&room=${encodeURIComponent(info.room)}`);
  ws.onopen = () => (document.body.dataset.connected = 'true');
  ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
  ws.onclose = () => {
    document.body.dataset.connected = 'false';
    setTimeout(connect, 2000); // the demo server restarted or the network blinked: try again
  };
}

for (const a of info.recentAlerts) addAlert(a, a.receivedAt);
connect();
setInterval(() => {
  redrawChart();
  for (const p of people.values()) renderRow(p);
}, 1000);
window.addEventListener('resize', () => {
  chart.setSize({ width: chartWidth(), height: 300 });
  versus.setSize({ width: chartWidth(), height: 200 });
});
window.dashboard = { info, people, alerts: alertsSeen };
document.body.dataset.ready = 'true';
