import { spawn } from 'node:child_process';
import path from 'node:path';

/** The repository root: the commands run from it, as `npm run …` would. */
export const ROOT = path.resolve(__dirname, '../..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * One of the project's commands (`src/cli/*.ts`) as a child process, the way `npm run` starts it (tsx), with the
 * given environment on top of this one (NODE_OPTIONS cleared: jest's flags are not the command's) and stdin
 * (closed at once when none is given). Node is started directly with tsx's loader: `npx` would add its own
 * start-up to every command.
 */
export function runCli(script: string, args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}
