import { execFile } from 'node:child_process';
import { PermanentError } from './channel.js';

/**
 * Run a program once with an argument array (never a shell), optional stdin, a time limit and the
 * caller's abort signal. Resolves on exit 0; a missing program is a PermanentError.
 */
export function runOnce(file: string, args: string[], stdin: string | null, timeoutMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: timeoutMs, signal, windowsHide: true, maxBuffer: 64 * 1024, killSignal: 'SIGKILL' },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        const e = err as NodeJS.ErrnoException & { code?: unknown; killed?: boolean };
        if (e.code === 'ENOENT' || e.code === 'EACCES') return reject(new PermanentError(`${file}: ${e.code === 'ENOENT' ? 'not found' : 'not executable'}`));
        const detail = String(stderr).trim().split('\n').slice(-1)[0] ?? '';
        if (e.killed) return reject(new Error(`${file} timed out after ${timeoutMs} ms`));
        reject(new Error(`${file} exited with ${typeof e.code === 'number' ? `code ${e.code}` : e.code}${detail ? `: ${detail}` : ''}`));
      },
    );
    // A script that does not read stdin closes it early: that is not a delivery failure.
    child.stdin?.on('error', () => {});
    child.stdin?.end(stdin ?? '');
  });
}
