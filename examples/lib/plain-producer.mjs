/**
 * How audio from outside WebRTC (here ffmpeg) enters a mediasoup Router: a PlainTransport on 127.0.0.1
 * in comedia mode (it learns the sender's address from the first packet) and an Opus producer on it.
 */

/** @type {import('mediasoup/types').RtpCodecCapability} the Router's one audio codec */
export const OPUS = { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, preferredPayloadType: 100 };

/**
 * @typedef {object} PlainProducer
 * @property {import('mediasoup/types').PlainTransport} transport
 * @property {import('mediasoup/types').Producer} producer
 * @property {number} port where to send RTP
 * @property {number} rtcpPort where to send RTCP
 */

/**
 * A PlainTransport (comedia) and an Opus producer on it with a fixed SSRC. RTCP is not muxed: ffmpeg
 * sends RTCP from another local port than RTP, and comedia locks each tuple onto its first sender.
 * @param {import('mediasoup/types').Router} router @param {number} ssrc
 * @param {Record<string, unknown>} [appData] carried into the monitor's participants and alerts
 * @returns {Promise<PlainProducer>}
 */
export async function plainOpusProducer(router, ssrc, appData = {}) {
  const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
  const producer = await transport.produce({
    kind: 'audio',
    rtpParameters: {
      codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2, parameters: {} }],
      encodings: [{ ssrc }],
    },
    appData,
  });
  return { transport, producer, port: transport.tuple.localPort, rtcpPort: /** @type {number} */ (transport.rtcpTuple?.localPort) };
}
