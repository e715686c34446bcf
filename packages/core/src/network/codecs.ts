/**
 * Codec parameters for the E-model: equipment impairment Ie (Ie,WB on the wideband scale), packet-loss
 * robustness Bpl, and the delay the codec adds to the mouth-to-ear path. Each entry says where its
 * numbers come from and which of them are our assumptions.
 */
import { requireFiniteInRange } from './validate.js';

/** Which E-model the codec is rated on: G.107 (R up to 100) or G.107.1 (R up to 129). */
export type EModelBand = 'narrowband' | 'wideband';

export interface CodecImpairment {
  /** canonical name, reported in `NetworkQuality.codec` */
  name: string;
  band: EModelBand;
  /** equipment impairment factor: Ie for narrowband, Ie,WB for wideband */
  ie: number;
  /** packet-loss robustness factor Bpl (random loss) */
  bpl: number;
  /** packetisation (one packet of frames) + encoder look-ahead, ms */
  codecDelayMs: number;
}

/** The usual WebRTC/RTP packet time (the RFC 3551 default); G.113's G.711 rows are for 10 ms packets. */
const PTIME_MS = 20;

const G711_WITH_PLC: CodecImpairment = {
  // G.113 (11/2007) Appendix I: G.711, Ie = 0; Bpl = 25.1 with the G.711 Appendix I PLC.
  // Default for PCMU/PCMA because WebRTC's receiver (NetEq) always conceals lost G.711 packets.
  name: 'g711',
  band: 'narrowband',
  ie: 0,
  bpl: 25.1,
  codecDelayMs: PTIME_MS, // PCM has no look-ahead
};

const G711_WITHOUT_PLC: CodecImpairment = {
  // G.113 (11/2007) Appendix I: G.711 without PLC (lost packets play as silence), Bpl = 4.3.
  ...G711_WITH_PLC,
  name: 'g711-noplc',
  bpl: 4.3,
};

const G729A: CodecImpairment = {
  // G.113 (11/2007) Appendix I: G.729A + VAD at 8 kbit/s, Ie = 11, Bpl = 19.0 (native PLC).
  name: 'g729',
  band: 'narrowband',
  ie: 11,
  bpl: 19,
  codecDelayMs: PTIME_MS + 5, // 2 x 10 ms frames per packet + 5 ms look-ahead (G.729)
};

const G722: CodecImpairment = {
  // Ie,WB = 13 for G.722 at 64 kbit/s: G.113 Appendix IV (wideband Ie values), Table IV.1.
  // ASSUMPTION: Bpl = 25.1. We found no published wideband Bpl for G.722; like G.711 it is a sample-domain
  // codec whose receiver conceals lost packets (WebRTC NetEq), so it borrows G.711 + PLC's value.
  name: 'g722',
  band: 'wideband',
  ie: 13,
  bpl: 25.1,
  codecDelayMs: PTIME_MS + 1.5, // the QMF analysis/synthesis pair adds ~1.5 ms (23 samples at 16 kHz)
};

const OPUS: CodecImpairment = {
  // Source: M. Alahmadi, P. Pocta, H. Melvin, "An Adaptive Bitrate Switching Algorithm for Speech
  // Applications in Context of WebRTC", ACM TOMM 17(4), art. 133, 2021, doi:10.1145/3458751: Ie and Bpl
  // of Opus derived from listening tests on the G.107.1 wideband scale. Opus in wideband mode, VBR,
  // 13 kbit/s: Ie,WB = 19.96, Bpl = 19.50 for random loss (16.92 for bursty loss).
  // ASSUMPTIONS:
  //  - WebRTC usually runs Opus at 24-40 kbit/s in super-wideband/fullband mode. No Ie,WB is published for
  //    those operating points on the 129 scale (the paper's SWB values, e.g. Ie = 10.67 at 40 kbit/s, are on
  //    the super-wideband scale and do not transfer), so we use the 13 kbit/s wideband value as a
  //    conservative bound: a higher bitrate is not worse in a wideband listening context.
  //  - Bpl is for random loss without in-band FEC; with WebRTC's useinbandfec=1 real loss is more benign,
  //    so network MOS under loss errs low. Burstiness is handled by BurstR, not by the bursty Bpl.
  name: 'opus',
  band: 'wideband',
  ie: 20,
  bpl: 19.5,
  codecDelayMs: 26.5, // 20 ms frame + 6.5 ms look-ahead: libopus' default algorithmic delay (RFC 6716)
};

/** The built-in codecs, keyed by canonical name. */
export const CODEC_IMPAIRMENTS: Readonly<Record<string, CodecImpairment>> = Object.freeze({
  [G711_WITH_PLC.name]: G711_WITH_PLC,
  [G711_WITHOUT_PLC.name]: G711_WITHOUT_PLC,
  [G729A.name]: G729A,
  [G722.name]: G722,
  [OPUS.name]: OPUS,
});

/** RTP / WebRTC encoding names that mean one of the codecs above. */
const ALIASES: Readonly<Record<string, string>> = {
  pcmu: 'g711',
  pcma: 'g711',
  g729a: 'g729',
};

/**
 * The codec's E-model parameters. Accepts a canonical name, an RTP encoding name or a WebRTC mimeType in
 * any case ('opus', 'PCMU', 'audio/opus', 'opus/48000/2'), or a custom `CodecImpairment` (validated).
 */
export function resolveCodec(codec: string | CodecImpairment): CodecImpairment {
  if (typeof codec !== 'string') return validateCodec(codec);
  const key = codec.trim().toLowerCase().replace(/^audio\//, '').split('/')[0];
  const found = CODEC_IMPAIRMENTS[ALIASES[key] ?? key];
  if (!found) {
    const known = [...Object.keys(CODEC_IMPAIRMENTS), ...Object.keys(ALIASES)].sort().join(', ');
    throw new RangeError(`unknown codec "${codec}" for the E-model; known: ${known} (or pass a CodecImpairment)`);
  }
  return found;
}

function validateCodec(codec: CodecImpairment): CodecImpairment {
  if (typeof codec?.name !== 'string' || codec.name === '') {
    throw new RangeError('codec.name must be a non-empty string');
  }
  if (codec.band !== 'narrowband' && codec.band !== 'wideband') {
    throw new RangeError(`codec.band must be 'narrowband' or 'wideband', got ${String(codec.band)}`);
  }
  requireFiniteInRange(`codec ${codec.name}: ie`, codec.ie, { min: 0, max: 95 });
  requireFiniteInRange(`codec ${codec.name}: bpl`, codec.bpl, { above: 0 });
  requireFiniteInRange(`codec ${codec.name}: codecDelayMs`, codec.codecDelayMs, { min: 0 });
  return codec;
}
