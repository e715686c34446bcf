/**
 * Section 2b, the compute floor: FLOPs of one window of each architecture (counted in PyTorch from the
 * card's architecture), per second of audio, against the machine's measured FLOP/s on one thread (a large
 * float32 sgemm). "% of peak" = achieved FLOP/s of a runtime (FLOPs per window / measured time per window)
 * over the sgemm FLOP/s: how far each runtime is from what this core can do.
 */
import { pythonReference, readCard } from '../lib/common.mjs';

export async function benchFloor({ sgemmN, models }, modelsSection) {
  const archs = models.map((name) => {
    const card = readCard(name);
    return { model: name, architecture: card.training.architecture, windowFrames: card.input.windowFrames };
  });
  const flops = await pythonReference(['flops', '--archs', JSON.stringify(archs)]);
  const sgemm = await pythonReference(['sgemm', '--n', String(sgemmN)]);
  if (flops.error || sgemm.error) return { flops, sgemm, rows: [] };
  const timed = [
    ...modelsSection.rows.filter((r) => !r.error).map((r) => ({ ...r, key: r.model })),
    ...modelsSection.references.filter((r) => r.perWindowMs && r.config).map((r) => ({ ...r, key: 'v7' })),
  ];
  const rows = timed
    .filter((r) => flops.models[r.key])
    .map((r) => {
      const perWindow = flops.models[r.key].flopsPerWindow;
      const achieved = perWindow / (r.perWindowMs / 1000);
      return {
        model: r.key === 'v7' ? r.model : r.model,
        runtime: r.runtime,
        gflopsPerWindow: perWindow / 1e9,
        gflopsPerAudioSecond: perWindow / r.hopSeconds / 1e9,
        achievedGflops: achieved / 1e9,
        pctOfPeak: (100 * achieved) / sgemm.flops,
        floorRtf: perWindow / r.hopSeconds / sgemm.flops,
        rtf: r.rtf,
      };
    });
  return { flops, sgemm, peakGflops: sgemm.flops / 1e9, rows };
}
