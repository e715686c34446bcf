import type { OutputFormat } from './args.js';
import type { FileScore } from './file-score.js';

/** Where results go: CSV rows are written as files finish (long runs show output early); JSON at the end. */
export interface ResultWriter {
  add(score: FileScore): void;
  finish(): void;
}

/** 4 decimals: far below any MOS difference that matters, and stable across platforms' float printing. */
const round = (x: number, decimals: number): number => Number(x.toFixed(decimals));

export function createResultWriter(format: OutputFormat, dimNames: readonly string[], write: (text: string) => void): ResultWriter {
  return format === 'csv' ? csvWriter(dimNames, write) : jsonWriter(dimNames, write);
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
    finish() {},
  };
}

function jsonWriter(dimNames: readonly string[], write: (text: string) => void): ResultWriter {
  const rows: unknown[] = [];
  return {
    add(score) {
      rows.push({
        file: score.file,
        mos: score.mos === null ? null : round(score.mos, 4),
        ...Object.fromEntries(dimNames.map((name) => [name, score.dims[name] === undefined ? null : round(score.dims[name], 4)])),
        windows: score.windows,
        duration_s: round(score.durationS, 3),
        windowScores: score.windowScores.map((w) => ({
          ...w,
          start: round(w.start, 3),
          end: round(w.end, 3),
          mos: w.mos === null ? null : round(w.mos, 4),
          dims: Object.fromEntries(Object.entries(w.dims).map(([k, v]) => [k, round(v, 4)])),
          speechRatio: round(w.speechRatio, 3),
        })),
      });
    },
    finish() {
      write(`${JSON.stringify(rows, null, 2)}\n`);
    },
  };
}

/** RFC 4180: quote a field holding a comma, quote or line break (file names can). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
