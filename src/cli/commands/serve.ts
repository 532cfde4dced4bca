import { readFile } from 'node:fs/promises';
import { Engine } from '../../core/engine.js';
import { killIfStatfsStuck } from '../../host/statfs.js';
import { createApp } from '../../server/app.js';
import { exposureProblem, isLoopback, resolveTokens } from '../../server/security.js';
import { errorMessage } from '../../shared/errors.js';
import { EXIT } from '../exit-codes.js';
import { stderrLogger } from '../log.js';
import { type RootFlags, rootsFromFlags } from '../roots.js';

export interface ServeFlags extends RootFlags {
  host?: string;
  port?: string;
  config?: string;
  insecureNoAuth?: boolean;
  logLevel?: 'info' | 'warn' | 'error';
}

/**
 * `headroom serve`: load config, start collectors, listen. Resolves with the exit code once
 * the server has stopped (SIGINT/SIGTERM), or at once when it cannot start.
 */
export async function runServe(flags: ServeFlags): Promise<number> {
  const log = stderrLogger(flags.logLevel ?? 'info');
  let engine: Engine;
  try {
    engine = await Engine.create({ flag: flags.config, roots: rootsFromFlags(flags), log });
  } catch (err) {
    log('error', errorMessage(err));
    return EXIT.CONFIG;
  }
  const config = engine.config;
  const host = flags.host ?? config.server.host;
  const port = flags.port !== undefined ? Number(flags.port) : config.server.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    log('error', `--port ${flags.port}: expected an integer 0-65535`);
    return EXIT.CONFIG;
  }
  const insecureNoAuth = Boolean(flags.insecureNoAuth || config.server.insecure_no_auth);
  const exposure = exposureProblem(host, config, insecureNoAuth);
  if (exposure) {
    log('error', exposure);
    return EXIT.CONFIG;
  }
  if (!isLoopback(host) && resolveTokens(config).length === 0)
    log('warn', `insecure: ${host} is served without authentication; anyone who can reach it can read and reconfigure it`);

  let https: { cert: Buffer; key: Buffer } | null = null;
  const { cert, key } = config.server.tls;
  if (cert && key) {
    try {
      https = { cert: await readFile(cert), key: await readFile(key) };
    } catch (err) {
      log('error', `server.tls: ${errorMessage(err)}`);
      return EXIT.FAILURE;
    }
  }

  const { app } = await createApp({ engine, bindHost: host, https });
  await engine.start();
  try {
    await app.listen({ host, port });
  } catch (err) {
    log('error', `cannot listen on ${host}:${port}: ${errorMessage(err)}`);
    await engine.stop();
    return EXIT.FAILURE;
  }
  const addr = app.server.address();
  const shown = typeof addr === 'object' && addr ? `${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}` : `${host}:${port}`;
  log('info', `headroom listening on ${https ? 'https' : 'http'}://${shown} (config: ${engine.configPath ?? 'built-in defaults'})`);
  log('info', `collectors: ${engine.scheduler.names().sort().join(', ')}`);

  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const onHup = () => {
      engine.reload().then(
        (r) => log('info', `SIGHUP: reloaded; collectors: ${r.plugins.join(', ')}`),
        (err) => log('error', `SIGHUP: reload refused, previous config keeps running: ${errorMessage(err)}`),
      );
    };
    const shutdown = (signal: string) => {
      if (stopping) {
        log('warn', `${signal} again: exiting now`);
        process.exit(EXIT.FAILURE);
      }
      stopping = true;
      log('info', `${signal}: shutting down`);
      // Not unref'd: if closing hangs on a promise that no handle keeps alive, an unref'd
      // timer would let Node exit at once with 13 (unsettled top-level await) instead.
      const force = setTimeout(() => {
        log('error', `${signal}: shutdown did not finish within 5 s; exiting`);
        process.exit(EXIT.FAILURE);
      }, 5000);
      Promise.allSettled([app.close(), engine.stop()]).then(async () => {
        clearTimeout(force);
        process.off('SIGHUP', onHup);
        // A statfs blocked in the kernel (dead NFS server) would make the exit hang: SIGKILL.
        await killIfStatfsStuck((line) => log('error', line));
        resolveExit(EXIT.OK);
      });
    };
    process.on('SIGHUP', onHup);
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  });
}
