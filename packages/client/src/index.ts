/**
 * @callmos/client: live speech-quality (MOS) scoring of MediaStreamTracks in the browser, on the device.
 *
 *   const monitor = await createQualityMonitor({ model: '/models/tiny/' });
 *   const mic = monitor.monitorTrack(track, { id: 'me', label: 'Your microphone' });
 *   mic.scores$.subscribe(...); mic.band$.subscribe(...);
 *   defineCallmosBadge(); document.querySelector('callmos-badge').track = mic;
 *
 * AudioWorklet tap (downmix, core resampler, 10 ms frames) -> inference worker (core STFT + windows +
 * onnxruntime-web) -> ScoreEvents. No audio leaves the device; no inference on the main or audio thread.
 */
export { createQualityMonitor, QualityMonitor, type QualityMonitorOptions } from './monitor/quality-monitor.js';
export { TrackMonitor, type MonitorTrackOptions, type TrackMonitorEvent, type TrackEndReason } from './monitor/track-monitor.js';
export { ModelFetchError, ModelLoadError, MonitorSetupError, TrackMonitorError } from './monitor/errors.js';
export { resolveAssets, ASSET_FILES, type AssetUrls } from './monitor/assets.js';
export type { ModelSource } from './monitor/model-source.js';
export type { TrackStats, TransportKind, BackendInfo } from './transport/protocol.js';
export { networkQuality$ } from './network/network-monitor.js';
export { trackNetworkSample, type TrackNetworkSample, type StatsCounters } from './network/webrtc-stats.js';
export { CallmosBadge, defineCallmosBadge, type BadgeSource } from './badge/callmos-badge.js';
export { tooltipText, bandAnnouncement } from './badge/format.js';
// the contract types an app handles, so it need not depend on @callmos/core directly
export { CardError, ModelContractError, type ScoreEvent, type QualityBand, type NetworkQuality, type ModelCard } from '@callmos/core';
