import type { OutputFormat } from './args.js';
import type { FileScore, WindowScore } from './file-score.js';

/**
 * Where results go: CSV rows and NDJSON lines are written as files finish (long runs show output early),
 * JSON at the end. With a timeline, CSV and NDJSON also get a row/line per window as it is scored.
 */
export interface ResultWriter {
  add(score: FileScore): void;
  /** one window of `file`, in order, before that file's add() (ignored unless the writer shows a timeline) */
  window(file: string, window: WindowScore): void;
  finish(): void;
}

/** 4 decimals: far below any MOS difference that matters, and stable across platforms' float printing. */
const round = (x: number, decimals: number): number => Number(x.toFixed(decimals));

export function createResultWriter(
  format: OutputFormat,
  dimNames: readonly string[],
  write: (text: string) => void,
  options: { timeline?: boolean } = {},
): ResultWriter {
  if (format === 'ndjson') return ndjsonWriter(dimNames, write, options.timeline ?? false);
  if (format === 'csv') return options.timeline ? csvTimelineWriter(dimNames, write) : csvWriter(dimNames, write);
  return jsonWriter(dimNames, write);
}

function csvWriter(dimNames: readonly string[], write: (text: string) => void): ResultWriter {
  write(`${['file', 'mos', ...dimNames, 'windows', 'duration_s'].map(csvField).join(',')}\n`);
  return {
    add(score) {
      const cells = [
        score.file,
        score.mos === null ? '' : String(round(score.mos, 4)),
        ...dimNames.map((name) => (score.dims[name] === undefined ? '' : String(round(score.dims[name], 4)))),
        String(score.windows),
        String(round(score.durationS, 3)),
      ];
      write(`${cells.map(csvField).join(',')}\n`);
    },
    window() {},
    finish() {},
  };
}

/** --timeline csv: a row per window (file,start,end,scored,mos,dims...,speech_ratio,cause) instead of per file. */
function csvTimelineWriter(dimNames: readonly string[], write: (text: string) => void): ResultWriter {
  write(`${['file', 'start', 'end', 'scored', 'mos', ...dimNames, 'speech_ratio', 'cause'].map(csvField).join(',')}\n`);
  return {
    add() {},
    window(file, w) {
      const cells = [
        file,
        String(round(w.start, 3)),
        String(round(w.end, 3)),
        String(w.scored),
        w.mos === null ? '' : String(round(w.mos, 4)),
        ...dimNames.map((name) => (w.dims[name] === undefined ? '' : String(round(w.dims[name], 4)))),
        String(round(w.speechRatio, 3)),
        w.cause ?? '',
      ];
      write(`${cells.map(csvField).join(',')}\n`);
    },
    finish() {},
  };
}

/**
 * NDJSON: one `{"type":"file",...}` line per file as it finishes (the JSON row without its windows); with
 * --timeline, a `{"type":"window","file",...}` line per window before it, as soon as the window is scored.
 */
function ndjsonWriter(dimNames: readonly string[], write: (text: string) => void, timeline: boolean): ResultWriter {
  return {
    add(score) {
      const { windowScores: _, ...row } = fileRow(score, dimNames);
      write(`${JSON.stringify({ type: 'file', ...row })}\n`);
    },
    window(file, w) {
      if (timeline) write(`${JSON.stringify({ type: 'window', file, ...windowRow(w) })}\n`);
    },
    finish() {},
  };
}

function fileRow(score: FileScore, dimNames: readonly string[]) {
  return {
    file: score.file,
    mos: score.mos === null ? null : round(score.mos, 4),
    ...Object.fromEntries(dimNames.map((name) => [name, score.dims[name] === undefined ? null : round(score.dims[name], 4)])),
    windows: score.windows,
    duration_s: round(score.durationS, 3),
    windowScores: score.windowScores.map(windowRow),
  };
}

function windowRow(w: WindowScore): WindowScore {
  return {
    ...w,
    start: round(w.start, 3),
    end: round(w.end, 3),
    mos: w.mos === null ? null : round(w.mos, 4),
    dims: Object.fromEntries(Object.entries(w.dims).map(([k, v]) => [k, round(v, 4)])),
    speechRatio: round(w.speechRatio, 3),
  };
}

function jsonWriter(dimNames: readonly string[], write: (text: string) => void): ResultWriter {
  const rows: unknown[] = [];
  return {
    add(score) {
      rows.push(fileRow(score, dimNames));
    },
    window() {},
    finish() {
      write(`${JSON.stringify(rows, null, 2)}\n`);
    },
  };
}

/** RFC 4180: quote a field holding a comma, quote or line break (file names can). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
