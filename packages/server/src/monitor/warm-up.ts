/**
 * One run of the largest batch each session of a monitor's scoring will be asked for, before its first
 * stream: the model on `batchSize` whole windows (a streamed model's front end over whole windows, its
 * largest input, and its sequence part), the speech detector on a full batch of frames.
 *
 * Why: onnxruntime's CPU arena grows when a run needs more than it holds, and keeps what it took. Under
 * real load a batch size first occurs at random, hours into a run: an hour-long soak (bench/SOAK.md) saw
 * resident memory step up by 10 MB at 58 min, in the inference thread's allocator, when a larger batch than
 * any before came. Run once at the peak, the arena has its working size from the start, and resident
 * memory no longer creeps up with the rare large batch.
 */
import { SileroVad, type MosModel } from '@callmos/core';
import { SILERO_CONTEXT, SILERO_FRAME } from '@callmos/core/pipeline';

const WARM_UP_STREAM = 'callmos-warm-up';

export async function warmUpScoring(model: MosModel, speech: SileroVad | undefined, batchSize: number): Promise<void> {
  const zeros = new Float32Array(model.windowSize);
  const ids = Array.from({ length: batchSize }, (_, i) => `${WARM_UP_STREAM}-${i}`);
  await model.scoreWindows(ids.map((streamId) => ({ streamId, index: 0, data: zeros })));
  // what streamed inference kept for them goes, as for a stream that ended
  for (const id of ids) await model.forget(id);
  if (speech) {
    const frame = new Float32Array(SILERO_CONTEXT + SILERO_FRAME);
    // all asked for at once: one batch of maxBatch frames
    await Promise.all(Array.from({ length: speech.maxBatch }, () => speech.run(frame, SileroVad.initialState())));
  }
}
