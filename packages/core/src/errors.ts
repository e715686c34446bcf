/**
 * The base of every error callmos throws, in every package: `err instanceof CallmosError` tells callmos's
 * errors from anything else, and `err.code` says what went wrong without parsing the message. The class
 * says where (CardError, ModelLoadError, RtpParseError, ...); the code is stable across hosts, so a model
 * that is missing reads MODEL_NOT_FOUND whether node read a file or the browser fetched a URL.
 */

/** Every code a CallmosError can carry. Adding one is an API change: document it in the class that throws it. */
export type CallmosErrorCode =
  // model files and loading (ModelLoadError, and the client's ModelFetchError)
  | 'MODEL_NOT_FOUND' // no such model name, file or URL (ENOENT, HTTP 404)
  | 'MODEL_UNREADABLE' // the file or URL exists but could not be read (I/O or network error, another HTTP status)
  | 'MODEL_CARD_INVALID' // card.json is not JSON or breaks the card schema (also CardError's code)
  | 'MODEL_GRAPH_INVALID' // the runtime cannot load the ONNX graph
  | 'MODEL_CONTRACT_MISMATCH' // the graph does not match its card, or lacks inputs/outputs its host feeds (also ModelContractError's)
  // inference
  | 'MODEL_RUN_FAILED' // inference failed or returned unusable numbers (ModelRunError; node InferenceThreadError: its thread is gone)
  // input that cannot be used
  | 'AUDIO_FILE_INVALID' // an audio file that cannot be read or decoded (node AudioFileError)
  | 'RTP_MALFORMED' // bytes that are not an RTP packet (server RtpParseError)
  | 'OPUS_MALFORMED' // an Opus packet that breaks RFC 6716 framing (server OpusPacketError)
  | 'USAGE_INVALID' // a callmos command line that cannot run (node UsageError)
  // monitors
  | 'MONITOR_SETUP_FAILED' // the browser lacks what the monitor needs, or its worker or audio graph failed to start (client)
  | 'TRACK_FAILED' // a monitored track stopped being scorable (client TrackMonitorError)
  | 'ROUTER_CLOSED' // attachQualityMonitor on a closed mediasoup router (server MonitorError)
  | 'PRODUCER_NOT_MONITORED' // stream$() of a producer the monitor does not watch (server MonitorError)
  | 'WORKER_CLOSED' // the mediasoup worker closed or died under the monitor (server MonitorError)
  | 'MONITOR_FAILED'; // the monitor's own smoothing/alerting pipeline failed: it stops loudly (server MonitorError)

export interface CallmosErrorOptions {
  /** the error this one explains (onnxruntime's, the filesystem's, a CardError, ...) */
  cause?: unknown;
}

export abstract class CallmosError<C extends CallmosErrorCode = CallmosErrorCode> extends Error {
  override readonly name: string = 'CallmosError';

  protected constructor(
    readonly code: C,
    message: string,
    options?: CallmosErrorOptions,
  ) {
    // Only pass `cause` when there is one: `{ cause: undefined }` would still add an own `cause` property.
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
  }
}
