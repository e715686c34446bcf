/**
 * The public surface of @callmos/client, pinned: adding or removing an export is a conscious change made
 * here too. Internals (badge text, stats parsing, asset URLs) stay importable by tests through source paths.
 */
import { describe, expect, it } from 'vitest';
import { publicExports } from '../../../../test/helpers/public-exports.js';

describe('public exports', () => {
  it('packages/client/src/index.ts', () => {
    expect(publicExports('packages/client/src/index.ts')).toEqual([
      'type AssetUrls', 'type BackendInfo', 'type BadgeSource', 'type CallmosErrorCode', 'type LogEventListeners',
      'type ModelCard', 'type ModelSource', 'type MonitorTrackOptions', 'type NetworkQuality', 'type QualityBand',
      'type QualityMonitorOptions', 'type ScoreEvent', 'type TrackEndReason', 'type TrackMonitorEvent',
      'type TrackStats', 'type TransportKind', 'value ASSET_FILES', 'value CallmosBadge', 'value CallmosError',
      'value CardError', 'value ModelContractError', 'value ModelFetchError', 'value ModelLoadError',
      'value MonitorSetupError', 'value QualityMonitor', 'value TrackMonitor', 'value TrackMonitorError',
      'value createQualityMonitor', 'value defineCallmosBadge', 'value networkQuality$', 'value setDebugNamespaces',
      'value setLogEventListeners',
    ]);
  }, 60_000);
});
