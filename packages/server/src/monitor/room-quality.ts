/** Room aggregates over the latest participant states (worst, mean, how many degraded or stalled). */
import type { ParticipantState, RoomQuality } from './types.js';

export function roomQuality(room: string, participants: readonly ParticipantState[], now: number): RoomQuality {
  const open = participants.filter((p) => !p.closed);
  const scored = open.filter((p): p is ParticipantState & { emaMos: number } => typeof p.emaMos === 'number');
  let worst: RoomQuality['worst'] = null;
  for (const p of scored) if (worst === null || p.emaMos < worst.emaMos) worst = { producerId: p.producerId, emaMos: p.emaMos };
  const meanMos = scored.length === 0 ? null : scored.reduce((sum, p) => sum + p.emaMos, 0) / scored.length;
  const degraded = open.filter((p) => p.band === 'poor' || p.alerting || p.stalled).length;
  const stalled = open.filter((p) => p.stalled).length;
  return { room, count: open.length, scored: scored.length, worst, meanMos, degraded, stalled, timestamp: now };
}
