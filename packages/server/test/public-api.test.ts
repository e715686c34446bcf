/**
 * The public surface of @callmos/server and its documented subpath `@callmos/server/teachers`
 * (package.json exports, tsup entry), pinned: adding or removing an export is a conscious change made
 * here too. Internals (RTP, jitter buffer, Opus, the pool) stay importable by tests through source paths.
 */
import { describe, expect, it } from 'vitest';
import { publicExports } from '../../../test/helpers/public-exports.js';

describe('public exports', () => {
  it('packages/server/src/index.ts', () => {
    expect(publicExports('packages/server/src/index.ts')).toEqual([
      'type AudioStreamStats', 'type BatchRun', 'type CallmosErrorCode', 'type ClientDrop', 'type DroppedInput',
      'type ExternalTeachersOptions', 'type HistoryOptions', 'type HistoryPoint', 'type JitterBufferOptions', 'type JitterBufferStats', 'type LogEventListeners',
      'type MetricsHandler', 'type MetricsHandlerOptions', 'type MonitorAlert', 'type MonitorBackend',
      'type MonitorErrorCode', 'type MonitorFault', 'type MonitorScoringOptions', 'type MonitorStats', 'type MonitorStatus', 'type NetworkQuality',
      'type OpusDecodeStats', 'type ParticipantState', 'type QualityAlert', 'type QualityBand',
      'type QualityMonitorOptions', 'type RoomHistorySnapshot', 'type RoomQuality', 'type ScoreEvent', 'type ScoringBackend', 'type StreamAnomaly',
      'type TeacherPoolOptions', 'type TeacherPoolStats', 'type TelemetryMessage', 'type TelemetryServer',
      'type TelemetryServerOptions', 'type TelemetryServerStats', 'type TelemetrySource', 'type TelemetryType',
      'type UpgradeRefusal', 'value CLIENT_DROPS', 'value CLOSE_MONITOR_DOWN', 'value CLOSE_SLOW_CONSUMER',
      'value CallmosError', 'value DROPPED_INPUTS', 'value MONITOR_FAULTS', 'value ModelLoadError',
      'value MonitorError', 'value MonitorScoring', 'value QualityMonitor', 'value STREAM_ANOMALIES', 'value TELEMETRY_TYPES',
      'value UPGRADE_REFUSALS', 'value attachQualityMonitor', 'value createMonitorScoring', 'value metricsHandler', 'value serveTelemetry',
      'value setDebugNamespaces', 'value setLogEventListeners',
    ]);
  }, 60_000);

  it('packages/server/src/teachers.ts', () => {
    expect(publicExports('packages/server/src/teachers.ts')).toEqual([
      'type DnsmosScore', 'value DNSMOS_WINDOW', 'value DnsmosP835', 'value PlcmosV2', 'value plcmosFeatures',
    ]);
  }, 60_000);
});
