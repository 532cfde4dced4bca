import { withTcp } from './tcp.js';

/**
 * apcupsd's Network Information Server (NIS, TCP 3551). Both directions use the same framing:
 * a 2-byte big-endian length, then that many bytes. We send one frame, `status`; apcupsd
 * answers with one frame per `KEY : VALUE\n` record and ends with a zero-length frame
 * (apcupsd's lib/apclibnis.c; `apcaccess` is the reference client).
 */

/** apcupsd's status records are under 100 bytes; anything near the 64 KiB maximum is not NIS. */
export const NIS_MAX_RECORD = 4096;

export interface NisQuery {
  host: string;
  port: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** One NIS frame: 2-byte big-endian length + the bytes. */
export function nisFrame(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  if (body.length > 0xffff) throw new Error('NIS frame longer than 65535 bytes');
  const head = Buffer.alloc(2);
  head.writeUInt16BE(body.length);
  return Buffer.concat([head, body]);
}

/** Ask for `status`; resolves to the records as text, one per line. */
export function queryApcupsd(q: NisQuery): Promise<string> {
  const label = `apcupsd NIS at ${q.host}:${q.port}`;
  return withTcp({ ...q, label }, async (s) => {
    s.write(nisFrame('status'));
    const records: string[] = [];
    for (;;) {
      const len = (await s.readBytes(2, 'record length')).readUInt16BE(0);
      if (len === 0) break;
      if (len > NIS_MAX_RECORD) {
        throw new Error(`${label}: record length ${len} is not plausible for NIS (max ${NIS_MAX_RECORD}); is this an apcupsd NIS port?`);
      }
      records.push((await s.readBytes(len, 'record')).toString('utf8').replace(/\r?\n$/, ''));
    }
    return records.join('\n');
  });
}
