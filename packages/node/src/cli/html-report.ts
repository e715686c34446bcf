import { DEFAULT_QUALITY_CONFIG } from '@callmos/core';
import type { FileScore, WindowScore } from './file-score.js';

/**
 * `callmos score --html report.html`: one self-contained page (inline SVG and CSS, no script, no CDN, so it
 * opens offline and can be mailed) with, per file, MOS over time and each dim over time. Windows without
 * speech are gaps in the lines and grey ticks on the time axis: silence is not bad quality.
 */
export function renderHtmlReport(scores: readonly FileScore[], dimNames: readonly string[], modelId: string): string {
  const sections = scores.map((score) => fileSection(score, dimNames)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>callmos report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 4px;word-break:break-all}
.meta{color:#666;margin:0 0 8px}svg{display:block;max-width:100%;height:auto}
.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:4px}
</style></head><body>
<h1>callmos: MOS over time</h1>
<p class="meta">model ${escapeHtml(modelId)} · ${scores.length} file(s) · bands: good &ge; ${DEFAULT_QUALITY_CONFIG.goodAtLeast}, poor &lt; ${DEFAULT_QUALITY_CONFIG.poorBelow}</p>
${sections}
</body></html>
`;
}

const WIDTH = 900;
const HEIGHT = 260;
const PAD = { left: 44, right: 12, top: 10, bottom: 34 };
const DIM_COLOURS = ['#e69f00', '#56b4e9', '#009e73', '#cc79a7', '#d55e00', '#0072b2', '#999933', '#882255'];

function fileSection(score: FileScore, dimNames: readonly string[]): string {
  const mos = score.mos === null ? 'no speech' : `MOS ${score.mos.toFixed(2)}`;
  const legend = [
    `<span><i style="background:#222;height:4px"></i>mos</span>`,
    ...dimNames.map((name, i) => `<span><i style="background:${DIM_COLOURS[i % DIM_COLOURS.length]}"></i>${escapeHtml(name)}</span>`),
  ].join('');
  return `<h2>${escapeHtml(score.file)}</h2>
<p class="meta">${mos} · ${score.windows} scored window(s) · ${score.durationS.toFixed(1)} s</p>
<div class="legend">${legend}</div>
${chart(score, dimNames)}`;
}

function chart(score: FileScore, dimNames: readonly string[]): string {
  const duration = Math.max(score.durationS, ...score.windowScores.map((w) => w.end), 1e-3);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (t: number) => PAD.left + (t / duration) * plotW;
  const y = (m: number) => PAD.top + ((5 - Math.min(5, Math.max(1, m))) / 4) * plotH;
  const mid = (w: WindowScore) => (w.start + w.end) / 2;

  const { goodAtLeast, poorBelow } = DEFAULT_QUALITY_CONFIG;
  const bands = [
    `<rect x="${PAD.left}" y="${y(5)}" width="${plotW}" height="${y(goodAtLeast) - y(5)}" fill="#e8f5e9"/>`,
    `<rect x="${PAD.left}" y="${y(goodAtLeast)}" width="${plotW}" height="${y(poorBelow) - y(goodAtLeast)}" fill="#fff8e1"/>`,
    `<rect x="${PAD.left}" y="${y(poorBelow)}" width="${plotW}" height="${y(1) - y(poorBelow)}" fill="#ffebee"/>`,
  ];
  const grid = [1, 2, 3, 4, 5].map(
    (m) => `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(m)}" y2="${y(m)}" stroke="#ccc"/><text x="${PAD.left - 8}" y="${y(m) + 4}" text-anchor="end">${m}</text>`,
  );
  const step = niceStep(duration);
  const ticks: string[] = [];
  for (let t = 0; t <= duration + 1e-9; t += step) {
    ticks.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${y(1)}" y2="${y(1) + 4}" stroke="#666"/><text x="${x(t)}" y="${y(1) + 17}" text-anchor="middle">${formatTime(t, step)}</text>`);
  }
  const unscored = score.windowScores
    .filter((w) => !w.scored)
    .map((w) => `<rect x="${x(w.start)}" y="${y(1) - 5}" width="${Math.max(1, x(w.end) - x(w.start))}" height="5" fill="#bbb"><title>${w.start.toFixed(1)}-${w.end.toFixed(1)} s: ${w.reason ?? 'not scored'}</title></rect>`);
  const dimLines = dimNames.map((name, i) =>
    polylines(score.windowScores, (w) => w.dims[name], mid, x, y, DIM_COLOURS[i % DIM_COLOURS.length], 1.5),
  );
  const mosLine = polylines(score.windowScores, (w) => (w.mos === null ? undefined : w.mos), mid, x, y, '#222', 2.5);
  const points = score.windowScores
    .filter((w) => w.mos !== null)
    .map((w) => `<circle cx="${x(mid(w)).toFixed(1)}" cy="${y(w.mos!).toFixed(1)}" r="2.5" fill="#222"><title>${w.start.toFixed(1)}-${w.end.toFixed(1)} s: MOS ${w.mos!.toFixed(2)}${dimNames.map((n) => (w.dims[n] === undefined ? '' : `, ${n} ${w.dims[n].toFixed(2)}`)).join('')}</title></circle>`);

  return `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" xmlns="http://www.w3.org/2000/svg" font-size="11" fill="#444" role="img" aria-label="MOS over time">
${[...bands, ...grid, ...ticks, ...unscored, ...dimLines, mosLine, ...points].join('\n')}
<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 3}" text-anchor="middle">time (${step >= 60 ? 'min:s' : 's'})</text>
<text transform="translate(11 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">score</text>
</svg>`;
}

/** One polyline per run of consecutive windows that have the value (unscored windows break the line). */
function polylines(
  windows: readonly WindowScore[],
  value: (w: WindowScore) => number | undefined,
  at: (w: WindowScore) => number,
  x: (t: number) => number,
  y: (m: number) => number,
  colour: string,
  width: number,
): string {
  const runs: string[][] = [[]];
  for (const w of windows) {
    const v = value(w);
    if (v === undefined) {
      if (runs[runs.length - 1].length > 0) runs.push([]);
      continue;
    }
    runs[runs.length - 1].push(`${x(at(w)).toFixed(1)},${y(v).toFixed(1)}`);
  }
  return runs
    .filter((run) => run.length > 0)
    .map((run) => `<polyline points="${run.join(' ')}" fill="none" stroke="${colour}" stroke-width="${width}" stroke-linejoin="round"/>`)
    .join('');
}

/** A tick step giving 5..12 ticks: 1, 2, 5, 10, 15, 30 s, then minutes. */
function niceStep(duration: number): number {
  for (const step of [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]) if (duration / step <= 12) return step;
  return 7200;
}

function formatTime(t: number, step: number): string {
  if (step < 60) return step < 1 ? t.toFixed(1) : String(Math.round(t));
  const s = Math.round(t);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
