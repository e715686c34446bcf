import type { ModelCard } from '@callmos/core';
import { defaultModel, listModels, type ModelListing } from '../models.js';

/** Frames are 10 ms (hop 160 at 16 kHz). */
const FRAME_SECONDS = 0.01;

/** `callmos models`: a table of the shipped models from their cards. Exit code 0 even if one is missing. */
export async function runModelsCommand(write: (text: string) => void): Promise<number> {
  const listings = await listModels();
  if (listings.length === 0) {
    write('no models installed\n');
    return 0;
  }
  const header = ['name', 'version', 'params', 'window', 'hop', 'dims', 'use', 'accuracy'];
  const rows = listings.map(describeModel);
  write(formatTable([header, ...rows]));
  return 0;
}

function describeModel(listing: ModelListing): string[] {
  const name = listing.name === defaultModel ? `${listing.name} (default)` : listing.name;
  const card = listing.card;
  if (!card) {
    // card errors list one problem per line ("heading:\n  - a\n  - b"); a table row must stay one line
    const problem = (listing.error ?? 'unknown problem').replace(/:\n\s*-\s*/, ': ').replace(/\n\s*-\s*/g, '; ');
    return [name, '-', '-', '-', '-', '-', '-', `unavailable: ${problem}`];
  }
  return [
    name,
    card.version,
    formatCount(card.params),
    `${(card.input.windowFrames * FRAME_SECONDS).toFixed(2)} s`,
    `${(card.input.hopFrames * FRAME_SECONDS).toFixed(2)} s`,
    String(card.outputs.dims?.names.length ?? 0),
    card.use ?? '-',
    summariseAccuracy(card.accuracy),
  ];
}

function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

/**
 * The card's accuracy block is free-form (the model factory decides what it measured): show its numbers
 * as key=value, nested keys dotted, so whatever was measured is visible without knowing its schema.
 */
export function summariseAccuracy(accuracy: ModelCard['accuracy'], maxItems = 4): string {
  if (!accuracy) return '-';
  const items: string[] = [];
  const visit = (value: unknown, key: string): void => {
    if (typeof value === 'number' && Number.isFinite(value)) items.push(`${key}=${Number(value.toPrecision(3))}`);
    else if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) visit(v, key ? `${key}.${k}` : k);
    }
  };
  visit(accuracy, '');
  if (items.length === 0) return '-';
  return items.length > maxItems ? `${items.slice(0, maxItems).join(' ')} ...` : items.join(' ');
}

function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
  return rows.map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]))).join('  ')).join('\n') + '\n';
}
