import { version } from '../../package.json';
import { parseCommandLine, UsageError, type CliCommand } from './args.js';
import type { ProgressStream } from './progress.js';
import { USAGE } from './usage.js';

const EXIT_USAGE = 2;

/** Runs the CLI; resolves with the exit code (never calls process.exit, so output is flushed). */
export async function runCli(argv: readonly string[], stderr: ProgressStream = process.stderr): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    stderr.write(`callmos: ${err.message}\nRun "callmos --help" for usage.\n`);
    return EXIT_USAGE;
  }
  switch (command.command) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'version':
      process.stdout.write(`${version}\n`);
      return 0;
    // Loaded on demand: --help, --version and usage errors should not wait for onnxruntime's native addon.
    case 'models': {
      const { runModelsCommand } = await import('./models-command.js');
      return runModelsCommand((text) => process.stdout.write(text));
    }
    case 'score': {
      const { runScoreCommand } = await import('./score-command.js');
      return runScoreCommand(command, stderr);
    }
  }
}
