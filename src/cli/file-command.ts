import { ImportFileError } from '../domain/registry-import';

/** Shared by the file commands (registry:import, registry:match): usage errors and exit codes. */

export class UsageError extends Error {}

/**
 * Runs a command's main and sets the exit code: 0 done, 2 usage error or a file that cannot be read (what was
 * written before it is said), 1 anything else.
 */
export function runFileCommand(name: string, usage: string, verb: { nothing: string; before: string }, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof UsageError) {
        console.error(`${name}: ${e.message}\n${usage}`);
        process.exitCode = 2;
      } else if (e instanceof ImportFileError) {
        console.error(`${name}: ${e.message}\n${e.nothingWritten ? verb.nothing : verb.before}`);
        process.exitCode = 2;
      } else {
        console.error(`${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        process.exitCode = 1;
      }
    },
  );
}
