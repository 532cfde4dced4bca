import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../core/engine.js';
import { parseRange, parseTime } from '../../history/params.js';
import { listSeries, processesAt, queryHistory } from '../../history/reader.js';
import { ErrorCodes } from '../../shared/errors.js';
import {
  EventsQuery,
  EventsResponse,
  HistoryQuery,
  HistoryResponse,
  ProcessesAtQuery,
  ProcessesAtResponse,
  SeriesListResponse,
} from '../../shared/protocol-history.js';
import { ErrorResponse } from '../../shared/protocol.js';
import { sendError } from '../errors.js';

const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse };

/** History: series list, columnar queries, events, process snapshots by time. */
export function registerHistoryRoutes(app: FastifyInstance, engine: Engine): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const h = engine.history;

  r.get(
    '/api/history/series',
    {
      schema: {
        summary: 'Every series with history (in memory or on disk): name, labels, unit, kind, help',
        tags: ['history'],
        response: { 200: SeriesListResponse, ...errors },
      },
    },
    async () => ({ series: listSeries(h) }),
  );

  r.get(
    '/api/history',
    {
      schema: {
        summary:
          'History of one or more series, columnar: {t:[…], series:{name:{avg,min,max}}}; the tier (ring, raw, minute, hour) is chosen by range and step',
        description:
          '`from`/`to`: epoch ms, ISO-8601 or a duration before now ("-1h"); default the last hour. `step`: seconds or ' +
          'a duration; default about 600 points. `minutes=N` = the last N minutes. Gaps are null.',
        tags: ['history'],
        querystring: HistoryQuery,
        response: { 200: HistoryResponse, ...errors },
      },
      // Long number arrays: JSON.stringify is several times faster here than the schema serializer.
      serializerCompiler: () => (data) => JSON.stringify(data),
    },
    async (req) => {
      const q = req.query;
      const { from, to, step } = parseRange(q, h.now());
      const names = Array.isArray(q.series) ? q.series : [q.series];
      return queryHistory(h, names, from, to, step);
    },
  );

  r.get(
    '/api/events',
    {
      schema: {
        summary: 'Alert and state events, newest first (default: the last 24 h, 100 events); `severity=WARN` = WARN and above',
        tags: ['history'],
        querystring: EventsQuery,
        response: { 200: EventsResponse, ...errors },
      },
    },
    async (req) => {
      const now = h.now();
      const q = req.query;
      const to = q.to === undefined ? now : parseTime(q.to, now, 'to');
      const start = q.from ?? q.since;
      const from = start === undefined ? to - 86_400_000 : parseTime(start, now, q.from === undefined ? 'since' : 'from');
      const limit = Math.min(Math.max(Number(q.limit ?? 100), 1), 10_000);
      const order = ['INFO', 'WARN', 'CRITICAL'];
      const severities = q.severity ? order.slice(order.indexOf(q.severity)) : null;
      return { events: h.events.list(from, to, q.kind ?? null, limit, severities) };
    },
  );

  r.get(
    '/api/history/processes',
    {
      schema: {
        summary: 'The process snapshot (kept once a minute) taken at or just before `at`',
        tags: ['history'],
        querystring: ProcessesAtQuery,
        response: { 200: ProcessesAtResponse, ...errors },
      },
    },
    async (req, reply) => {
      const at = parseTime(req.query.at, h.now(), 'at');
      const snap = processesAt(h, at);
      if (!snap) return sendError(reply, 404, ErrorCodes.NOT_FOUND, 'no process snapshot stored (history off, or none taken yet)', 'at');
      return snap;
    },
  );
}
