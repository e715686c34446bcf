/**
 * @callmos/client: live speech-quality (MOS) scoring of MediaStreamTracks in the browser, on the device.
 *
 *   const monitor = await createQualityMonitor({ model: '/models/lite/' });
 *   const mic = monitor.monitorTrack(track, { id: 'me', label: 'Your microphone' });
 *   mic.scores$.subscribe(...); mic.band$.subscribe(...);
 *   defineCallmosBadge(); document.querySelector('callmos-badge').track = mic;
 *
 * AudioWorklet tap (downmix, core resampler, 10 ms frames) -> inference worker (core STFT + windows +
 * onnxruntime-web) -> ScoreEvents. No audio leaves the device; no inference on the main or audio thread.
 */
import { applyDebugStorage } from './debug-storage.js';

export { createQualityMonitor, QualityMonitor, type QualityMonitorOptions } from './monitor/quality-monitor.js';
export { TrackMonitor, type MonitorTrackOptions, type TrackMonitorEvent, type TrackEndReason } from './monitor/track-monitor.js';
export { ModelFetchError, MonitorSetupError, TrackMonitorError } from './monitor/errors.js';
export { ASSET_FILES, type AssetUrls } from './monitor/assets.js';
export type { ModelSource } from './monitor/model-source.js';
export type { TrackStats, TransportKind, BackendInfo } from './transport/protocol.js';
export { networkQuality$ } from './network/network-monitor.js';
export { CallmosBadge, defineCallmosBadge, type BadgeSource } from './badge/callmos-badge.js';
// what an app handles from core (errors, logging, the contract types), so it need not depend on @callmos/core directly
export {
  CallmosError,
  ModelLoadError,
  CardError,
  ModelContractError,
  setLogEventListeners,
  setDebugNamespaces,
  type CallmosErrorCode,
  type LogEventListeners,
  type ScoreEvent,
  type QualityBand,
  type NetworkQuality,
  type ModelCard,
} from '@callmos/core';

applyDebugStorage();
