/**
 * Section 4 (only with a GPU): batch throughput of the largest shipped model on the GPU with onnxruntime-node's
 * CUDA execution provider (windows/s, and streams per GPU at the card's hop: each stream needs one window
 * per hop), beside the same architecture in PyTorch on CUDA. Without a GPU it records why it was skipped.
 */
import { cudaAvailability, loadModel } from '@callmos/node';
import { hopSeconds, pythonReference, readCard, syntheticWindow, timeMs } from '../lib/common.mjs';

export async function benchGpu({ gpuBatches, gpuRuns, largest }) {
  const card = readCard(largest);
  const cuda = cudaAvailability();
  const torch = await pythonReference([
    'gpu', '--arch', JSON.stringify(card.training.architecture), '--frames', String(card.input.windowFrames),
    '--batches', gpuBatches.join(','), '--runs', String(gpuRuns),
  ]);
  if (!cuda.usable && (torch.skipped || torch.error)) return { skipped: `no GPU: ${cuda.reason}; PyTorch: ${torch.skipped ?? torch.error}` };
  const hop = hopSeconds(card);
  let ort;
  if (!cuda.usable) ort = { skipped: `onnxruntime-node CUDA EP unusable: ${cuda.reason}` };
  else {
    try {
      const max = Math.max(...gpuBatches);
      const model = await loadModel(largest, { provider: 'cuda', maxBatch: max });
      const rows = [];
      for (const batch of gpuBatches) {
        const windows = Array.from({ length: batch }, () => syntheticWindow(model.windowSize));
        const t = await timeMs(() => model.run(windows), gpuRuns, 3);
        rows.push({ batch, perBatchMs: t.medianMs, windowsPerSecond: batch / (t.medianMs / 1000) });
      }
      await model.release();
      ort = { rows };
    } catch (err) {
      ort = { error: err.message };
    }
  }
  const withStreams = (rows) => rows?.map((r) => ({ ...r, streamsPerGpu: Math.floor(r.windowsPerSecond * hop) }));
  return {
    model: largest,
    hopSeconds: hop,
    onnxruntime: ort.rows ? { rows: withStreams(ort.rows) } : ort,
    pytorch: torch.rows ? { ...torch, rows: withStreams(torch.rows) } : torch,
  };
}
