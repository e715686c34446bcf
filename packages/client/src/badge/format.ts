/** The badge's words, kept apart from the DOM so they can be tested and translated. */
import type { QualityBand, ScoreEvent } from '@callmos/core';

export const BAND_LABELS: Readonly<Record<QualityBand, string>> = { good: 'Good', fair: 'Fair', poor: 'Poor' };

/** The MOS the badge shows: the smoothed one when there is one. */
export function shownMos(event: ScoreEvent | undefined): number | undefined {
  return event?.emaMos ?? event?.mos ?? undefined;
}

export function mosText(mos: number | undefined): string {
  return mos === undefined ? '–' : mos.toFixed(1);
}

/** Tooltip: MOS, each diagnostic dimension, network MOS, and why the last window was not scored. */
export function tooltipText(event: ScoreEvent | undefined, label?: string): string {
  const lines: string[] = [];
  if (label) lines.push(label);
  if (!event) return [...lines, 'Measuring call quality…'].join('\n');
  const mos = shownMos(event);
  lines.push(`Speech quality (MOS): ${mos === undefined ? 'not yet scored' : `${mos.toFixed(2)} / 5`}`);
  for (const [name, value] of Object.entries(event.dims)) lines.push(`  ${name}: ${value.toFixed(2)}`);
  if (!event.scored) lines.push(event.reason === 'no-speech' ? 'No speech in the last window (not scored)' : `Last window not scored: ${event.reason}`);
  if (event.network) {
    const n = event.network;
    lines.push(`Network (MOS): ${n.mos.toFixed(2)} / 4.5 — loss ${n.lossPct.toFixed(1)} %, jitter ${n.jitterMs.toFixed(0)} ms, RTT ${n.rttMs.toFixed(0)} ms, ${n.codec}`);
  }
  if (event.skippedWindows) lines.push(`${event.skippedWindows} windows skipped (device busy)`);
  return lines.join('\n');
}

/** What a screen reader hears when the band changes (and only then). */
export function bandAnnouncement(band: QualityBand, label?: string): string {
  return `${label ? `${label}: ` : ''}call quality ${BAND_LABELS[band].toLowerCase()}`;
}
