import Type, { type Static } from 'typebox';

/**
 * `GET /api/processes`: the process table from process_monitor's latest payload, sorted,
 * filtered and cut on the server (the request never scans /proc: SPEC §12). Schemas here feed
 * request validation, response serialisation and `/openapi.json`.
 */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T, description?: string) =>
  Type.Union([t, Type.Null()], description ? { description } : {});

export const ProcessRow = Type.Object(
  {
    pid: Type.Integer(),
    ppid: Type.Integer(),
    user: Nullable(Type.String(), 'user name, or the numeric uid when /etc/passwd has none'),
    uid: Nullable(Type.Integer()),
    name: Type.String({ description: 'comm: the kernel task name (15 characters for most tasks)' }),
    exe: Type.String({ description: "executable name: argv[0]'s base name" }),
    cmdline: Type.String({ description: 'arguments joined by spaces, secrets redacted; empty for kernel threads' }),
    state: Type.String({ description: 'R running, S sleeping, D disk sleep, T stopped, Z zombie, I idle, …' }),
    kernel_thread: Type.Boolean(),
    cpu_pct: Nullable(Type.Number(), '% of one CPU over the last interval; null on first sight'),
    rss_mb: Type.Number(),
    threads: Type.Integer(),
    read_mbps: Nullable(Type.Number(), 'storage reads; null when /proc/<pid>/io is not readable'),
    write_mbps: Nullable(Type.Number()),
    start_time: Nullable(Type.String(), 'ISO-8601'),
    cgroup: Nullable(Type.String()),
    unit: Nullable(Type.String(), 'systemd unit (innermost .service or .scope)'),
    container_id: Nullable(Type.String()),
  },
  { $id: 'ProcessRow' },
);
export type ProcessRow = Static<typeof ProcessRow>;

export const ProcessCounts = Type.Object({
  total: Type.Integer(),
  running: Type.Integer(),
  sleeping: Type.Integer(),
  disk_sleep: Type.Integer(),
  stopped: Type.Integer(),
  zombie: Type.Integer(),
  idle: Type.Integer(),
  other: Type.Integer(),
  threads: Type.Integer(),
});

export const PROCESS_SORT_KEYS = ['cpu', 'rss', 'pid', 'name'] as const;
export type ProcessSortKey = (typeof PROCESS_SORT_KEYS)[number];

// Query strings arrive as strings (the server does not coerce types), so numbers are patterns.
export const ProcessesQuery = Type.Object(
  {
    sort: Type.Optional(
      Type.Union(
        PROCESS_SORT_KEYS.map((k) => Type.Literal(k)),
        { description: 'default cpu' },
      ),
    ),
    order: Type.Optional(
      Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
        description: 'default desc for cpu and rss, asc for pid and name; nulls always last',
      }),
    ),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$', description: 'rows returned, 1 to 100000 (default 100)' })),
    filter: Type.Optional(
      Type.String({ maxLength: 200, description: 'case-insensitive substring of pid, name, exe, cmdline, user, unit or container id' }),
    ),
    user: Type.Optional(Type.String({ maxLength: 64, description: 'exact user name or uid' })),
    state: Type.Optional(Type.String({ pattern: '^[A-Za-z]{1,12}$', description: 'state letters to keep, e.g. R or RD' })),
    at: Type.Optional(
      Type.String({ maxLength: 64, description: 'a past time (ISO-8601, epoch ms, or a duration ago such as 1h): redirects to the stored snapshot' }),
    ),
  },
  { additionalProperties: false },
);
export type ProcessesQuery = Static<typeof ProcessesQuery>;

export const ProcessesResponse = Type.Object(
  {
    available: Type.Boolean(),
    reason: Type.Optional(Type.String({ description: 'why there is no table (process_monitor off or failing)' })),
    ts: Nullable(Type.String(), 'when the table was collected (ISO-8601)'),
    total: Type.Integer({ description: 'processes in the table' }),
    matched: Type.Integer({ description: 'processes left after filter, user and state' }),
    counts: Nullable(ProcessCounts),
    processes: Type.Array(ProcessRow),
  },
  { $id: 'ProcessesResponse' },
);
export type ProcessesResponse = Static<typeof ProcessesResponse>;
