import { describe, expect, it } from 'vitest';
import { configuredServices, knownServices, localPort } from '../../src/services/definitions.js';
import { assignOwnership, dynamicServices, type MatchFacts, type MatchRow } from '../../src/services/ownership.js';
import { serviceStatus } from '../../src/services/status.js';
import { defaultConfig } from '../helpers/config.js';

const CID = 'ab'.repeat(32);

/** A small machine: systemd, an nginx pre-fork tree under its unit, a python API, a container, a terminal. */
function row(pid: number, ppid: number, name: string, cmdline: string, cgroup: string, extra: Partial<MatchRow> = {}): MatchRow {
  const unit = /([^/]+\.(service|scope))(\/|$)/.exec(cgroup.split('/').reverse().find((s) => /\.(service|scope)$/.test(s)) ?? '')?.[1] ?? null;
  return { pid, ppid, name, exe: cmdline.split(' ')[0]!.split('/').pop() || name, cmdline, kernel_thread: false, cgroup, unit, container_id: null, ...extra };
}
const ROWS: MatchRow[] = [
  row(1, 0, 'systemd', '/sbin/init', '/init.scope'),
  { pid: 2, ppid: 0, name: 'kthreadd', exe: 'kthreadd', cmdline: '', kernel_thread: true, cgroup: '/', unit: null, container_id: null },
  row(500, 1, 'nginx', 'nginx: master process /usr/sbin/nginx', '/system.slice/nginx.service'),
  row(501, 500, 'nginx', 'nginx: worker process', '/system.slice/nginx.service'),
  row(502, 500, 'nginx', 'nginx: worker process', '/system.slice/nginx.service'),
  row(600, 1, 'python3', '/usr/bin/python3 -m uvicorn api.main:app --port 9000', '/system.slice/api.service'),
  row(601, 600, 'python3', '/usr/bin/python3 -c from multiprocessing.spawn import spawn_main', '/system.slice/api.service'),
  row(602, 601, 'sh', 'sh -c convert img.png', '/system.slice/api.service'),
  row(700, 1, 'containerd-shim', '/usr/bin/containerd-shim-runc-v2 -id x', '/system.slice/containerd.service'),
  row(701, 700, 'postgres', 'postgres', `/system.slice/docker-${CID}.scope`, { container_id: CID }),
  row(702, 701, 'postgres', 'postgres: checkpointer', `/system.slice/docker-${CID}.scope`, { container_id: CID }),
  row(800, 1, 'gnome-terminal-', '/usr/libexec/gnome-terminal-server', '/user.slice/user-1000.slice/user@1000.service/app.slice/gnome-terminal-server.service'),
  row(801, 800, 'bash', 'bash', '/user.slice/user-1000.slice/user@1000.service/app.slice/vte-spawn-1.scope'),
  row(900, 1, 'ollama', '/usr/local/bin/ollama serve', '/system.slice/ollama.service'),
  row(901, 900, 'ollama', '/usr/local/bin/ollama runner --model /m/llama3', '/system.slice/ollama.service'),
];
const FACTS: MatchFacts = {
  portHolders: new Map([[8080, new Set([500])]]),
  pidfiles: new Map([['/run/api.pid', { pid: 600, reason: null }], ['/run/gone.pid', { pid: 4242, reason: null }]]),
  containerNames: new Map([[CID, 'pg-dev']]),
};

function assign(services: unknown[], facts = FACTS) {
  const config = defaultConfig({ services });
  const defs = [...configuredServices(config), ...knownServices(config, null), ...dynamicServices(ROWS, facts, 5)];
  const own = assignOwnership(defs, ROWS, facts);
  const byName = (name: string) => {
    const i = defs.findIndex((d) => d.name === name);
    return { pids: own.owned.get(i) ?? [], status: serviceStatus(defs[i]!, i, own, facts, new Set([8080, 5432])) };
  };
  return { defs, own, byName };
}

describe('service ownership', () => {
  it('a port match owns the listening master and its workers; the unit keeps nothing of it', () => {
    const { byName } = assign([{ name: 'web', match: { port: 8080 } }]);
    expect(byName('web').pids).toEqual([500, 501, 502]);
    expect(byName('web').status).toEqual({ status: 'running', status_reason: null, matched_by: ['port 8080'] });
    expect(byName('nginx.service').pids).toEqual([]);
  });

  it('a cmdline match owns the descendants too, whatever their own command lines', () => {
    const { byName } = assign([{ name: 'api', match: { cmdline: 'uvicorn api\\.main' } }]);
    expect(byName('api').pids).toEqual([600, 601, 602]);
  });

  it('cgroup, unit (with or without .service), container (name or id prefix), pidfile and process name all match', () => {
    const cases: Array<[unknown, number[]]> = [
      [{ cgroup: '/system.slice/api.service' }, [600, 601, 602]],
      [{ cgroup: 'system.slice/api.service/' }, [600, 601, 602]],
      [{ unit: 'nginx' }, [500, 501, 502]],
      [{ unit: 'nginx.service' }, [500, 501, 502]],
      [{ container: 'pg-dev' }, [701, 702]],
      [{ container: CID.slice(0, 12) }, [701, 702]],
      [{ pidfile: '/run/api.pid' }, [600, 601, 602]],
      [{ process: 'postgres' }, [701, 702]],
    ];
    for (const [match, pids] of cases) expect([match, assign([{ name: 's', match }]).byName('s').pids]).toEqual([match, pids]);
  });

  it('a unit match follows descendants moved out of the cgroup (SPEC: matched processes and their descendants)', () => {
    const { byName } = assign([{ name: 'term', match: { unit: 'gnome-terminal-server' } }]);
    expect(byName('term').pids).toEqual([800, 801]);
  });

  it('auto-detects LLM servers, containers (by name) and systemd services; containers and units own only their cgroup', () => {
    const { byName, defs } = assign([]);
    expect(byName('ollama').pids).toEqual([900, 901]); // not ollama.service: well-known beats systemd
    expect(byName('pg-dev').pids).toEqual([701, 702]);
    expect(byName('containerd.service').pids).toEqual([700]); // the shim, not the container under it
    expect(byName('gnome-terminal-server.service').pids).toEqual([800]); // not the shell in its own scope
    expect(byName('api.service').pids).toEqual([600, 601, 602]);
    expect(defs.some((d) => d.name.startsWith('user@'))).toBe(false);
  });

  it('a configured service beats the auto-detected ones; when two configured match one process, the first listed wins', () => {
    const { byName } = assign([
      { name: 'first', match: { process: 'nginx' } },
      { name: 'second', match: { port: 8080 } },
      { name: 'models', match: { cmdline: 'ollama serve' } },
    ]);
    expect(byName('first').pids).toEqual([500, 501, 502]);
    expect(byName('second').pids).toEqual([]);
    expect(byName('second').status).toMatchObject({ status: 'stopped', status_reason: expect.stringMatching(/belong to first/) });
    expect(byName('models').pids).toEqual([900, 901]);
    expect(byName('ollama').pids).toEqual([]);
  });

  it('partial when a match key finds nothing, stopped with the reason when none does', () => {
    const { byName } = assign([
      { name: 'half', match: { process: 'nginx', port: 9999 } },
      { name: 'stale', match: { pidfile: '/run/gone.pid' } },
      { name: 'hidden', match: { port: 5432 } },
      { name: 'bad', match: { cmdline: '(' } },
    ]);
    expect(byName('half').status).toEqual({ status: 'partial', status_reason: 'nothing listens on TCP port 9999', matched_by: ['process nginx'] });
    expect(byName('stale').status.status_reason).toBe('pid 4242 from /run/gone.pid is not running');
    expect(byName('hidden').status.status_reason).toMatch(/port 5432 is listening but its process is not visible/);
    expect(byName('bad').status).toMatchObject({ status: 'stopped', status_reason: expect.stringMatching(/match.cmdline: Invalid regular expression/) });
  });

  it('headroom owns its own process only, not the children it (or an app embedding it) starts', () => {
    const config = defaultConfig();
    const defs = [...knownServices(config, 600), ...dynamicServices(ROWS, FACTS, 5)];
    const own = assignOwnership(defs, ROWS, FACTS);
    expect(own.owned.get(defs.findIndex((d) => d.name === 'headroom'))).toEqual([600]);
    expect(own.owned.get(defs.findIndex((d) => d.name === 'api.service'))).toEqual([601, 602]);
  });

  it('kernel threads belong to nobody, and a parent cycle in a garbled table ends the walk', () => {
    const cyc: MatchRow[] = [
      row(10, 11, 'a', 'a --x', '/'),
      row(11, 10, 'b', 'b', '/'),
    ];
    const config = defaultConfig({ services: [{ name: 'x', match: { cmdline: '--x' } }] });
    const own = assignOwnership(configuredServices(config), [...cyc, ROWS[1]!], FACTS);
    expect(own.owned.get(0)).toEqual([10, 11]);
  });

  it('localPort: the port of a URL on this machine, none for a remote one', () => {
    expect(localPort('http://localhost:11434')).toBe(11434);
    expect(localPort('http://127.0.0.1')).toBe(80);
    expect(localPort('https://[::1]/v1')).toBe(443);
    expect(localPort('http://gpu-box:8000')).toBeNull();
    expect(localPort('not a url')).toBeNull();
  });
});
