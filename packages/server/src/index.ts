/**
 * @callmos/server: live speech quality for every audio producer of a mediasoup Router. RTP -> jitter
 * buffer -> Opus (with concealment) -> core windows -> one batched teacher model -> RxJS telemetry, with
 * a WebSocket feed and Prometheus metrics on top.
 *
 * The stages inside (RTP parsing, jitter buffer, Opus decoding, the teacher pool) are not exported; the
 * external teachers' adapters (DNSMOS P.835, PLCMOS v2) are, at the documented subpath
 * `@callmos/server/teachers`, for scoring clips with them directly.
 */
export { attachQualityMonitor } from './monitor/attach-quality-monitor.js';
export { createMonitorScoring, MonitorScoring, type MonitorScoringOptions, type ScoringBackend } from './monitor/monitor-scoring.js';
export { QualityMonitor, type QualityMonitorOptions, type MonitorBackend } from './monitor/quality-monitor.js';
export { MonitorError, type MonitorErrorCode } from './monitor/monitor-error.js';
export type { ParticipantState, RoomQuality, MonitorAlert } from './monitor/types.js';
export {
  serveTelemetry,
  CLOSE_SLOW_CONSUMER,
  CLOSE_MONITOR_DOWN,
  CLIENT_DROPS,
  type TelemetryServer,
  type TelemetryServerOptions,
  type TelemetryServerStats,
  type ClientDrop,
} from './telemetry/ws-server.js';
export { UPGRADE_REFUSALS, type UpgradeRefusal } from './telemetry/upgrade-request.js';
export { metricsHandler, type MetricsHandler, type MetricsHandlerOptions } from './telemetry/metrics.js';
export { TELEMETRY_TYPES, type TelemetrySource, type TelemetryMessage, type TelemetryType, type MonitorStatus } from './telemetry/source.js';
export type { HistoryOptions, HistoryPoint, RoomHistorySnapshot } from './telemetry/room-history.js';
// what the monitor counts (qm.stats, the Prometheus reason/kind labels)
export {
  DROPPED_INPUTS,
  STREAM_ANOMALIES,
  MONITOR_FAULTS,
  type MonitorStats,
  type DroppedInput,
  type StreamAnomaly,
  type MonitorFault,
} from './monitor/monitor-stats.js';
// types of the monitor's options and state (QualityMonitorOptions, ParticipantState.stats, monitor.pool)
export type { ExternalTeachersOptions } from './teachers/external-teachers.js';
export type { TeacherPoolOptions, TeacherPoolStats, BatchRun } from './pool/teacher-pool.js';
export type { AudioStreamStats } from './audio/audio-stream.js';
export type { JitterBufferOptions, JitterBufferStats } from './rtp/jitter-buffer.js';
export type { OpusDecodeStats } from './audio/opus-stream-decoder.js';
// what an app handles from core (errors, logging, the contract types), so it need not depend on @callmos/core directly
export {
  CallmosError,
  ModelLoadError,
  setLogEventListeners,
  setDebugNamespaces,
  type CallmosErrorCode,
  type LogEventListeners,
  type ScoreEvent,
  type QualityBand,
  type NetworkQuality,
  type QualityAlert,
} from '@callmos/core';
