import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The repository root: the commands run from it, as `npm run …` would. */
export const ROOT = path.resolve(__dirname, '../..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The Node arguments of an npm script of package.json: `tsx F` as Node with tsx's loader (`--import tsx F`),
 * `node FLAGS F` as it stands. Node is started directly: `npm run` and `npx` add their own start-up to every run.
 */
function nodeArgsOf(script: string): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = (pkg.scripts[script] ?? '').trim().split(/\s+/);
  if (words[0] === 'tsx' && words.length > 1) return ['--import', 'tsx', ...words.slice(1)];
  if (words[0] === 'node' && words.length > 1) return words.slice(1);
  throw new Error(`npm script ${script} is not a tsx or node command: ${pkg.scripts[script] ?? '(none)'}`);
}

/**
 * One of the project's commands (`npm run <script> -- args`) as a child process, started as package.json starts
 * it, with the given environment on top of this one (NODE_OPTIONS cleared: jest's flags are not the command's)
 * and stdin (closed at once when none is given).
 */
export function runCli(script: string, args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgsOf(script), ...args], {
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
