/** Network MOS: the ITU-T G.107 / G.107.1 E-model over RTP statistics. */
export {
  networkQuality,
  rFactor,
  rFactorBreakdown,
  oneWayDelayMs,
  type NetworkQualityInput,
  type RFactorInput,
  type RFactorBreakdown,
  type OneWayDelayInput,
} from './emodel.js';
export {
  mosFromR,
  absoluteDelayImpairment,
  talkerEchoImpairment,
  listenerEchoImpairment,
  delayImpairment,
  simultaneousImpairment,
  effectiveEquipmentImpairment,
  BASIC_SIGNAL_TO_NOISE,
  G107_DEFAULTS,
  type DelayImpairment,
} from './g107.js';
export { mosFromWidebandR, widebandDelayImpairment, WIDEBAND_R_MAX, WIDEBAND_SCALE } from './g107-wideband.js';
export { resolveCodec, CODEC_IMPAIRMENTS, type CodecImpairment, type EModelBand } from './codecs.js';
