/**
 * An annotated dump of protobuf bytes without a schema, for people learning
 * the format (`wiregrpc decode --raw`, and the wire tracer):
 *
 *   offset  bytes                    field  type    value
 *        0  08 01                    1      VARINT  1
 *        2  12 03 66 6f 6f           2      LEN     "foo"
 *
 * Every byte of the input appears in the bytes column, once. Without a schema
 * a length-delimited (LEN) value is ambiguous, so it is guessed: text when it
 * is valid UTF-8 without control characters; else a nested message when it
 * parses completely as protobuf (its fields follow, indented); else plain
 * bytes. (`\t \n \r` count as text only when the bytes do not also parse as a
 * message: `0a 20 …` is far more often field 1 of a submessage than a line.)
 * Numbers are shown the ways the wire type allows: a varint unsigned (and as
 * int64 when its top bit is set), I32 as fixed32 and float, I64 as fixed64
 * and double.
 *
 * Malformed input is shown as far as it parses, then one row marks the
 * problem and holds the remaining bytes. Nothing here throws.
 *
 * Pure: no Node APIs, so browsers and other runtimes can use it.
 */
import { ProtoError } from './error.js';
import { readFloat32, readFloat64 } from './float.js';
import { MAX_DEPTH, Reader, WireType, toInt64, toUint64, wireError } from './reader.js';
import { utf8Decode } from './utf8.js';

export interface DumpRow {
  /** Where `bytes` start in the input. */
  readonly offset: number;
  /** 0 at the top; +1 inside a nested message, a group or a frame. */
  readonly depth: number;
  /** The bytes this row explains (a view into the input). */
  readonly bytes: Uint8Array;
  /** Field number, `frame N` (frame-dump.ts), or empty. */
  readonly field: string;
  /** The wire type (`VARINT`, `I64`, `LEN`, `SGROUP`, `EGROUP`, `I32`), `PREFIX` (a gRPC frame's, frame-dump.ts), or `ERROR`. */
  readonly type: string;
  readonly value: string;
}

const TYPE_NAMES = ['VARINT', 'I64', 'LEN', 'SGROUP', 'EGROUP', 'I32'];

/** The rows of one protobuf message (`bytes[start..end)`; offsets are positions in `bytes`). */
export function dumpMessage(bytes: Uint8Array, start = 0, end = bytes.length, depth = 0): DumpRow[] {
  const rows: DumpRow[] = [];
  try {
    readFields(bytes, start, end, depth, rows, 0);
  } catch (err) {
    const last = rows[rows.length - 1];
    const at = last === undefined ? start : last.offset + last.bytes.length;
    rows.push({
      offset: at,
      depth,
      bytes: bytes.subarray(at, end),
      field: '',
      type: 'ERROR',
      value: err instanceof ProtoError ? err.message : String(err),
    });
  }
  return rows;
}

export function errorRow(bytes: Uint8Array, at: number, depth: number, message: string): DumpRow {
  return { offset: at, depth, bytes: bytes.subarray(at), field: '', type: 'ERROR', value: message };
}

/**
 * Reads fields up to `end` (or up to the end-group of `group`, when not 0),
 * appending rows. Throws ProtoError on malformed input; returns where it stopped.
 */
function readFields(
  buf: Uint8Array,
  start: number,
  end: number,
  depth: number,
  rows: DumpRow[],
  group: number,
): number {
  if (depth > MAX_DEPTH) throw wireError(`protobuf: nested deeper than ${MAX_DEPTH}`);
  const r = new Reader(buf, start, end);
  while (r.pos < end) {
    const at = r.pos;
    const [no, wt] = r.tag();
    const row = (value: string, to = r.pos, type = TYPE_NAMES[wt]!, rowDepth = depth): DumpRow => ({
      offset: at,
      depth: rowDepth,
      bytes: buf.subarray(at, to),
      field: String(no),
      type,
      value,
    });
    switch (wt) {
      case WireType.VARINT:
        r.varint64();
        rows.push(row(varintText(r.lo, r.hi)));
        break;
      case WireType.I64: {
        const fixed = r.fixed64();
        const double = readFloat64(buf, r.pos - 8);
        rows.push(row(`fixed64 ${fixed}, double ${double}`));
        break;
      }
      case WireType.I32: {
        const fixed = r.fixed32();
        const float = readFloat32(buf, r.pos - 4);
        rows.push(row(`fixed32 ${fixed}, float ${floatText(float)}`));
        break;
      }
      case WireType.LEN: {
        const valueEnd = r.delimited();
        const valueStart = r.pos;
        r.pos = valueEnd;
        const n = valueEnd - valueStart;
        const nested: DumpRow[] = [];
        const isMessage = n > 0 && parsesFully(buf, valueStart, valueEnd, depth + 1, nested);
        const text = printable(buf, valueStart, valueEnd, isMessage);
        if (text !== undefined) {
          rows.push(row(JSON.stringify(text)));
        } else if (isMessage) {
          rows.push(row(`message, ${n} byte${n === 1 ? '' : 's'}:`, valueStart));
          for (const child of nested) rows.push(child);
        } else {
          rows.push(row(`${n} byte${n === 1 ? '' : 's'} (not text, not a message)`));
        }
        break;
      }
      case WireType.SGROUP:
        rows.push(row('group {'));
        r.pos = readFields(buf, r.pos, end, depth + 1, rows, no);
        break;
      case WireType.EGROUP:
        if (no !== group) throw wireError(`protobuf: end-group ${no} at byte ${at} without its start-group`);
        rows.push(row('}', r.pos, 'EGROUP', depth - 1));
        return r.pos;
    }
  }
  if (group !== 0) throw wireError(`protobuf: group ${group} has no end-group`);
  return r.pos;
}

function parsesFully(buf: Uint8Array, start: number, end: number, depth: number, rows: DumpRow[]): boolean {
  try {
    return readFields(buf, start, end, depth, rows, 0) === end;
  } catch {
    return false;
  }
}

/** The bytes as text, if they are valid UTF-8 a person would call text (see the header). */
function printable(buf: Uint8Array, start: number, end: number, alsoMessage: boolean): string | undefined {
  const text = utf8Decode(buf, start, end);
  if (text === undefined) return undefined;
  // C0 and C1 controls and DEL; tab, LF and CR only when the bytes are not also a message.
  const controls = alsoMessage
    ? /[\u0000-\u001f\u007f-\u009f]/
    : /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
  return controls.test(text) ? undefined : text;
}

/** A float32 in its shortest decimal form that reads back as the same float32 (1.1, not 1.100000023841858). */
function floatText(f: number): string {
  if (!Number.isFinite(f)) return String(f);
  for (let digits = 1; digits < 9; digits++) {
    const short = Number(f.toPrecision(digits));
    if (Math.fround(short) === f) return String(short);
  }
  return String(f);
}

function varintText(lo: number, hi: number): string {
  const unsigned = toUint64(lo, hi);
  return hi >= 0x80000000 ? `${unsigned} (as int64: ${toInt64(lo, hi)})` : String(unsigned);
}

const HEX = '0123456789abcdef';
/** Bytes shown per line in the bytes column; longer values continue on the next lines. */
const BYTES_PER_LINE = 8;

function hex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (i > 0 ? ' ' : '') + HEX[bytes[i]! >> 4] + HEX[bytes[i]! & 15];
  return out;
}

/**
 * Rows as a table, one line per row (more when a row holds more than
 * BYTES_PER_LINE bytes), with a header line. Nesting indents the bytes and
 * field columns by two spaces a level.
 */
export function formatDump(rows: readonly DumpRow[]): string[] {
  const lines: [string, string, string, string, string][] = [['offset', 'bytes', 'field', 'type', 'value']];
  for (const row of rows) {
    const indent = '  '.repeat(row.depth);
    for (let i = 0; i < Math.max(1, row.bytes.length); i += BYTES_PER_LINE) {
      const chunk = hex(row.bytes.subarray(i, i + BYTES_PER_LINE));
      const first = i === 0;
      lines.push([
        String(row.offset + i),
        indent + chunk,
        first ? indent + row.field : '',
        first ? row.type : '',
        first ? row.value : '',
      ]);
    }
  }
  const widths = [0, 1, 2, 3].map((c) => Math.max(...lines.map((l) => l[c]!.length)));
  return lines.map(([offset, bytes, field, type, value]) =>
    `${offset.padStart(widths[0]!)}  ${bytes.padEnd(widths[1]!)}  ${field.padEnd(widths[2]!)}  ${type.padEnd(widths[3]!)}  ${value}`.trimEnd(),
  );
}
