#!/usr/bin/env node
import './v8-flags.js';
import { Command, Option } from 'commander';
import { VERSION } from '../shared/version.js';
import { captureFixture } from '../collectors/capture.js';
import { EXIT_UNKNOWN, runCheck, runWait } from './commands/check.js';
import { runConfigCheck, runConfigPath } from './commands/config.js';
import { DOCTOR_EXIT, runDoctor } from './commands/doctor.js';
import { runHistory } from './commands/history.js';
import { rootsFromFlags } from './roots.js';
import { runServe } from './commands/serve.js';
import { runSnapshot } from './commands/snapshot.js';
import { EXIT } from './exit-codes.js';

const EXIT_HELP = `
Exit codes:
  0  success
  1  runtime failure (port in use, unreadable TLS file, crash)
  2  invalid config or usage, or an unsafe setting refused (non-loopback bind without a token)`;

const io = {
  out: (s: string) => process.stdout.write(`${s}\n`),
  err: (s: string) => process.stderr.write(`${s}\n`),
};

function rootOptions(cmd: Command): Command {
  return cmd
    .option('--path.procfs <dir>', 'procfs mount point (default /proc)')
    .option('--path.sysfs <dir>', 'sysfs mount point (default /sys)')
    .option('--path.rootfs <dir>', 'host root filesystem, for /etc/os-release (default /)');
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('headroom')
    .description('Can this machine take the next job? A local system and workload monitor.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError()
    .addHelpText('after', EXIT_HELP)
    .exitOverride((err) => {
      // Usage errors exit 2 (documented); --help and --version exit 0.
      setExit(err.exitCode === 0 ? EXIT.OK : EXIT.CONFIG);
      throw err;
    });

  rootOptions(
    program
      .command('serve', { isDefault: true })
      .description('start collectors and the HTTP/WebSocket server (default 127.0.0.1:7700)')
      .option('--host <addr>', 'bind address (config server.host, default 127.0.0.1)')
      .option('--port <n>', 'port (config server.port, default 7700)')
      .option('-c, --config <file>', 'config file (else $HEADROOM_CONFIG, ./config.yaml, ~/.config/headroom/config.yaml)')
      .option('--insecure-no-auth', 'allow a non-loopback bind without API tokens')
      .addOption(new Option('--log-level <level>', 'log level').choices(['info', 'warn', 'error']).default('info'))
      .addHelpText('after', EXIT_HELP),
  ).action(async (flags) => setExit(await runServe(flags)));

  rootOptions(
    program
      .command('snapshot')
      .description('collect once (two passes 1 s apart, so rates are real) and print; no server')
      .option('--json', 'print the /api JSON shape')
      .option('-c, --config <file>', 'config file'),
  ).action(async (flags) => setExit(await runSnapshot(flags, io.out)));

  const drillOptions = (cmd: Command): Command =>
    rootOptions(
      cmd
        .option('--drill <name>', 'cost of the next job: a profile from `drills:` in the config')
        .option('--ram-delta-pct <n>', 'ad hoc: RAM the job adds, % of total')
        .option('--ram-delta-gb <n>', 'ad hoc: RAM the job adds, GB')
        .option('--cpu-spike-pct <n>', 'ad hoc: CPU the job adds, %')
        .option('--gpu-vram-delta-pct <n>', 'ad hoc: VRAM the job adds, % of the GPU')
        .option('--gpu-vram-delta-gb <n>', 'ad hoc: VRAM the job adds, GB')
        .option('--gpu <index>', 'the GPU the job runs on (default: the most loaded)')
        .option('--url <url>', 'server to ask (default $HEADROOM_URL or http://127.0.0.1:7700)')
        .option('--token <token>', 'API token (else $HEADROOM_TOKEN)')
        .option('--local', 'no server: collect in this process')
        .option('-c, --config <file>', 'config file for --local')
        .option('--json', 'print the /api/headroom JSON'),
    )
      // Usage errors must not read as HOLD (2) to a script: they are "could not tell" (3).
      .exitOverride((err) => {
        setExit(err.exitCode === 0 ? EXIT.OK : EXIT_UNKNOWN);
        throw err;
      });

  drillOptions(
    program
      .command('check')
      .description('print GO / EASE_IN / HOLD and the reason; exit 0 GO, 1 EASE_IN, 2 HOLD, 3 unreachable or error')
      .addHelpText('after', '\nExample: headroom check --drill llm-14b || echo "not now"'),
  ).action(async (flags) => setExit(await runCheck(flags, io)));

  drillOptions(
    program
      .command('wait')
      .description('block until the state is at least --until (default GO); exit 0, 2 on --timeout, 3 on error')
      .option('--until <state>', 'GO, or EASE_IN (= GO or EASE_IN)', 'GO')
      .option('--timeout <duration>', 'give up after this long, e.g. 10m (default: never)')
      .option('--interval <duration>', 'how often to ask', '2s')
      .option('-q, --quiet', 'print nothing; only the exit code tells')
      .addHelpText('after', '\nExample: headroom wait --timeout 10m && ./run-job'),
  ).action(async (flags) => setExit(await runWait(flags, io)));

  rootOptions(
    program
      .command('doctor')
      .description('print the recommendations (idle models, busy loops, leaks, idle power, swap, browsers); exit 0 none, 1 some, 3 error')
      .option('--url <url>', 'server to ask (default $HEADROOM_URL or http://127.0.0.1:7700)')
      .option('--token <token>', 'API token (else $HEADROOM_TOKEN)')
      .option('--local', 'no server: collect in this process for --duration')
      .option('--duration <duration>', 'with --local: how long to watch', '5s')
      .option('--min-severity <level>', 'INFO, WARN or CRITICAL', 'INFO')
      .option('-c, --config <file>', 'config file for --local')
      .option('--json', 'print the /api/idle JSON (idle analysis + recommendations)')
      .addHelpText(
        'after',
        '\nExit codes: 0 nothing at WARN or above, 1 at least one WARN/CRITICAL recommendation, 3 could not tell.\n' +
          'Example: headroom doctor --min-severity WARN',
      ),
  )
    .exitOverride((err) => {
      setExit(err.exitCode === 0 ? EXIT.OK : DOCTOR_EXIT.UNKNOWN);
      throw err;
    })
    .action(async (flags) => setExit(await runDoctor(flags, io)));

  const config = program.command('config').description('check or locate the config file');
  config
    .command('check [file]')
    .description('validate a config file; print every problem as file:line:column (exit 2 if any)')
    .action(async (file?: string) => setExit(await runConfigCheck(file, io)));
  config
    .command('path')
    .description('print which config file would be used, and why')
    .option('-c, --config <file>', 'as serve --config')
    .action((flags) => setExit(runConfigPath(io, { flag: flags.config })));

  program
    .command('history <series...>')
    .description('print the history of series from a running server: a sparkline each, or a table')
    .option('--since <time>', 'start: a duration before now ("1h", "7d") or a time', '1h')
    .option('--until <time>', 'end (default now)')
    .option('--step <duration>', 'bucket width ("10s", "5m"; default about 600 points)')
    .option('--url <url>', 'server to ask', 'http://127.0.0.1:7700')
    .option('--token <token>', 'API token (else $HEADROOM_TOKEN)')
    .option('--file <path>', 'read this history file directly (read-only) instead of asking a server')
    .option('--table', 'a row per bucket instead of sparklines')
    .option('--json', 'the /api/history response as JSON')
    .option('--width <n>', 'sparkline width (default: the terminal)')
    .addHelpText(
      'after',
      '\nSeries names come from GET /api/history/series; a name without {labels} means all its labelled series.\n' +
        'Example: headroom history cpu_monitor.aggregate_pct --since 24h --step 5m\n' +
        EXIT_HELP,
    )
    .action(async (series: string[], flags) => setExit(await runHistory(series, flags, io)));

  rootOptions(
    program
      .command('capture-fixture <dir>')
      .description('copy the /proc, /sys and /etc files the collectors read into DIR (a test fixture host)'),
  ).action(async (dir: string, flags) => {
    const res = await captureFixture(dir, rootsFromFlags(flags));
    io.out(`captured ${res.captured.length} files into ${dir}; absent: ${res.absent.length} (see ${dir}/HOST.md)`);
    setExit(EXIT.OK);
  });

  return program;
}

async function main(): Promise<void> {
  let code: number = EXIT.OK;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    // commander already printed usage errors; anything else is unexpected.
    if (!(err instanceof Error && 'exitCode' in err)) {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      code = EXIT.FAILURE;
    }
  }
  process.exitCode = code;
  // Commands resolve when their work is done; a leftover handle must not keep the CLI alive.
  setTimeout(() => process.exit(code), 200).unref();
}

await main();
