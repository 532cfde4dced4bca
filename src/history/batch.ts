/**
 * The pending batch: what one flush adds to the write-ahead log (`pending` table). It holds, for
 * every series and tier with new records since the last flush, those records — encoded with the
 * chunk codec, all segments deflated together into one row. Rewriting every open chunk on each
 * flush would write the same bytes again and again; a batch row writes only what is new, and
 * chunk rows are rewritten on a slow rotation (writer.ts).
 */
import { ByteReader, ByteWriter, DecodeError } from './bytes.js';
import { type ColumnPrecision, type ColumnsIn, pack, readColumns, unpack, writeColumns } from './codec.js';

export interface Segment extends ColumnsIn {
  seriesId: number;
  tier: number;
}

const BATCH_VERSION = 1;


export function encodeBatch(segments: readonly (Segment & { precision: ColumnPrecision })[]): Buffer {
  const w = new ByteWriter(4096);
  w.byte(BATCH_VERSION);
  w.uvarint(segments.length);
  for (const s of segments) {
    w.uvarint(s.seriesId);
    w.byte(s.tier);
    writeColumns(w, s, s.precision);
  }
  return pack(w.view());
}

export function decodeBatch(blob: Uint8Array): Segment[] {
  const r = new ByteReader(unpack(blob));
  const version = r.byte();
  if (version !== BATCH_VERSION) throw new DecodeError(`unknown batch version ${version}`);
  const n = r.uvarint();
  const out: Segment[] = [];
  for (let i = 0; i < n; i++) {
    const seriesId = r.uvarint();
    const tier = r.byte();
    out.push({ seriesId, tier, ...readColumns(r) });
  }
  return out;
}
