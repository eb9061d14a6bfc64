/**
 * The annotated dump of a gRPC message stream (`wiregrpc decode --raw --frames`,
 * and the wire tracer): each five-byte prefix (frame.ts) as a row of its own,
 * then its payload one level deeper: a message as proto/dump.ts shows it,
 * gRPC-Web trailers as text, compressed bytes as a count.
 *
 *   offset  bytes                    field    type    value
 *        0  00 00 00 00 02           frame 1  PREFIX  flag 0 (not compressed), length 2
 *        5  08 01                      1      VARINT  1
 *
 * Nothing here throws; a truncated prefix or payload is one ERROR row.
 */
import { dumpMessage, errorRow, type DumpRow } from '../proto/dump.js';
import { utf8Decode } from '../proto/utf8.js';
import { FLAG_COMPRESSED, FLAG_TRAILERS, FRAME_HEADER_LENGTH, readFrameLength } from './frame.js';

/**
 * The rows of a gRPC message stream: each 5-byte prefix (flag, big-endian
 * length), then its message dumped one level deeper.
 */
export function dumpFrames(bytes: Uint8Array): DumpRow[] {
  const rows: DumpRow[] = [];
  let pos = 0;
  for (let n = 1; pos < bytes.length; n++) {
    const left = bytes.length - pos;
    if (left < FRAME_HEADER_LENGTH) {
      rows.push(errorRow(bytes, pos, 0, `truncated prefix: ${left} of ${FRAME_HEADER_LENGTH} bytes`));
      break;
    }
    const flag = bytes[pos]!;
    const length = readFrameLength(bytes, pos);
    rows.push({
      offset: pos,
      depth: 0,
      bytes: bytes.subarray(pos, pos + FRAME_HEADER_LENGTH),
      field: `frame ${n}`,
      type: 'PREFIX',
      value: `${flagText(flag)}, length ${length}`,
    });
    const start = pos + FRAME_HEADER_LENGTH;
    if (length > bytes.length - start) {
      rows.push(errorRow(bytes, start, 1, `truncated message: ${bytes.length - start} of ${length} bytes`));
      break;
    }
    rows.push(...dumpPayload(bytes, start, start + length, flag, 1));
    pos = start + length;
  }
  return rows;
}

/** One frame's payload, by its flag: a message, gRPC-Web trailers (text), or compressed bytes. */
export function dumpPayload(bytes: Uint8Array, start: number, end: number, flag: number, depth: number): DumpRow[] {
  const payload = bytes.subarray(start, end);
  if (start === end)
    return [
      {
        offset: start,
        depth,
        bytes: payload,
        field: '',
        type: '',
        value: '(empty message: every field has its default)',
      },
    ];
  if ((flag & FLAG_TRAILERS) !== 0) {
    return [
      {
        offset: start,
        depth,
        bytes: payload,
        field: '',
        type: '',
        value: `trailers ${JSON.stringify(utf8Decode(bytes, start, end) ?? '')}`,
      },
    ];
  }
  if ((flag & FLAG_COMPRESSED) !== 0) {
    return [
      {
        offset: start,
        depth,
        bytes: payload,
        field: '',
        type: '',
        value: `${end - start} compressed bytes (see grpc-encoding)`,
      },
    ];
  }
  return dumpMessage(bytes, start, end, depth);
}

function flagText(flag: number): string {
  const parts: string[] = [];
  parts.push((flag & FLAG_COMPRESSED) !== 0 ? 'compressed' : 'not compressed');
  if ((flag & FLAG_TRAILERS) !== 0) parts.push('trailers (gRPC-Web)');
  if ((flag & ~(FLAG_COMPRESSED | FLAG_TRAILERS)) !== 0) parts.push('unknown bits set');
  return `flag ${flag} (${parts.join(', ')})`;
}
