/**
 * The public surface of @callmos/node, pinned: adding or removing an export is a conscious change made
 * here too. Internals stay importable by this package's tests through source paths.
 */
import { describe, expect, it } from 'vitest';
import { publicExports } from '../../../test/helpers/public-exports.js';

describe('public exports', () => {
  it('packages/node/src/index.ts', () => {
    expect(publicExports('packages/node/src/index.ts')).toEqual([
      'type AudioClip', 'type CudaAvailability', 'type ExecutionProviderName', 'type LoadModelOptions',
      'type LoadedModel', 'type ModelFiles', 'type ModelListing', 'type OpenOnnxFileOptions',
      'type OrtBackendOptions', 'type OrtSessionHandle', 'type ProviderPreference', 'type SpeechDetectorBatching', 'value AUDIO_FILE_EXTENSIONS',
      'value AudioFileError', 'value CARD_FILE', 'value InferenceThread', 'value InferenceThreadError', 'value MODEL_FILE', 'value ModelLoadError',
      'value SPEECH_DETECTOR_GRAPH', 'value SPEECH_DETECTOR_ID', 'value SPEECH_DETECTOR_PACKAGE',
      'value createOrtSession', 'value cudaAvailability', 'value decodeAudioFile', 'value defaultModel',
      'value listModels', 'value loadModel', 'value loadModelWithDetails', 'value loadSpeechDetector',
      'value openOnnxFile', 'value readAudioFile', 'value readCard', 'value resolveModelFiles',
      'value speechDetectorFile',
    ]);
  }, 60_000);
});
