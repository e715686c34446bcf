import { writeFileSync } from 'node:fs';
import type { SileroVad } from '@callmos/core';
import { loadModelWithDetails, type LoadedModel } from '../models.js';
import { loadSpeechDetector } from '../speech-detector.js';
import type { ScoreCommand } from './args.js';
import type { FileScore } from './file-score.js';
import { findAudioFiles } from './find-audio-files.js';
import { renderHtmlReport } from './html-report.js';
import { fileSink, stdoutSink, type OutputSink } from './output-sink.js';
import { Progress, type ProgressStream } from './progress.js';
import { createResultWriter } from './result-writer.js';
import { scoreFile } from './score-file.js';

const EXIT_OK = 0;
const EXIT_FAILED = 1;

/**
 * `callmos score`: every file is attempted; a file that fails is reported on stderr (one line naming it)
 * and left out of the results, and the exit code becomes 1.
 */
export async function runScoreCommand(command: ScoreCommand, stderr: ProgressStream): Promise<number> {
  const say = (line: string) => stderr.write(`${line}\n`);
  const { files, problems } = await findAudioFiles(command.inputs);
  for (const { input, problem } of problems) say(`callmos: error: ${input}: ${problem}`);
  if (files.length === 0) return EXIT_FAILED;

  let loaded: LoadedModel;
  let speech: SileroVad | undefined;
  let sink: OutputSink;
  try {
    loaded = await loadModelWithDetails(command.model, { provider: command.provider, intraOpThreads: command.threads });
    speech = command.vad === 'silero' ? await loadSpeechDetector() : undefined;
    sink = command.output === undefined ? stdoutSink() : fileSink(command.output);
  } catch (err) {
    say(`callmos: error: ${(err as Error).message}`);
    return EXIT_FAILED;
  }
  const { model } = loaded;
  say(`callmos: ${model.id} on ${loaded.provider}${loaded.fallbackReason ? ` (${loaded.fallbackReason})` : ''}, speech: ${speech ? `energy gate + ${speech.id}` : 'energy gate'}`);

  const dimNames = model.card.outputs.dims?.names ?? [];
  const writer = createResultWriter(command.format, dimNames, (text) => sink.write(text), { timeline: command.timeline });
  const progress = new Progress(stderr, files.length);
  /** kept only for --html: each file's windows are small (a few hundred bytes per 0.5 s hop) */
  const forReport: FileScore[] = [];
  let failedFiles = 0;
  try {
    for (const file of files) {
      try {
        const score = await scoreFile(model, file, {
          speech,
          onWindow: (window) => writer.window(file, window),
          onProgress: (scoredS, durationS) => progress.fileProgress(file, scoredS, durationS),
        });
        if (command.html !== undefined) forReport.push(score);
        if (score.mos === null) {
          progress.message(`callmos: note: ${file}: no speech detected, not scored (mos left empty)`);
        }
        writer.add(score);
      } catch (err) {
        failedFiles++;
        progress.message(`callmos: error: ${describeFailure(file, err)}`);
      }
      progress.advance(file);
    }
    writer.finish();
  } finally {
    progress.finish();
    sink.close();
  }
  if (command.html !== undefined) {
    try {
      writeFileSync(command.html, renderHtmlReport(forReport, dimNames, model.id));
    } catch (err) {
      say(`callmos: error: cannot write --html ${command.html}: ${(err as Error).message}`);
      return EXIT_FAILED;
    }
  }
  if (files.length > 1 || failedFiles > 0) {
    const failures = failedFiles > 0 ? `, ${failedFiles} failed` : '';
    say(`callmos: scored ${files.length - failedFiles} of ${files.length} files${failures}`);
  }
  return failedFiles > 0 || problems.length > 0 ? EXIT_FAILED : EXIT_OK;
}

/** AudioFileError messages already start with the file; other errors (inference) get it prepended. */
function describeFailure(file: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.startsWith(`${file}: `) ? message : `${file}: ${message}`).replace(/\s*\n\s*/g, ' ');
}
