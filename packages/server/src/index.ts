/**
 * @callmos/server: live speech quality for every audio producer of a mediasoup Router. RTP -> jitter
 * buffer -> Opus (with concealment) -> core windows -> one batched teacher model -> RxJS telemetry, with
 * a WebSocket feed and Prometheus metrics on top.
 */
export {
  attachQualityMonitor,
  QualityMonitor,
  MonitorError,
  type QualityMonitorOptions,
  type MonitorBackend,
} from './monitor/quality-monitor.js';
export type { ParticipantState, RoomQuality, MonitorAlert } from './monitor/types.js';
export {
  DROPPED_INPUTS,
  STREAM_ANOMALIES,
  MONITOR_FAULTS,
  type MonitorStats,
  type DroppedInput,
  type StreamAnomaly,
  type MonitorFault,
} from './monitor/monitor-stats.js';
export { roomQuality } from './monitor/room-quality.js';
export { networkFromStats, type RecvStatsSample } from './monitor/network-probe.js';
export { TeacherPool, type TeacherPoolOptions, type TeacherPoolStats, type BatchRun } from './pool/teacher-pool.js';
export { AudioStream, emptyStreamStats, type AudioStreamOptions, type AudioStreamStats } from './audio/audio-stream.js';
export { OpusStreamDecoder, OPUS_RATE, type OpusDecodeStats, type OpusStreamDecoderOptions } from './audio/opus-stream-decoder.js';
export { opusPacketInfo, OpusPacketError, type OpusPacketInfo } from './audio/opus-packet.js';
export { parseRtp, buildRtp, RtpParseError, type RtpPacket } from './rtp/rtp-packet.js';
export { JitterBuffer, type JitterBufferOptions, type JitterBufferStats, type JitterOutput } from './rtp/jitter-buffer.js';
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
export { ExternalTeachers, type ExternalTeachersOptions } from './teachers/external-teachers.js';
export { DnsmosP835, DNSMOS_WINDOW, type DnsmosScore } from './teachers/dnsmos-p835.js';
export { PlcmosV2, plcmosFeatures } from './teachers/plcmos-v2.js';
export { TeacherLoadError } from './teachers/onnx-teacher.js';
