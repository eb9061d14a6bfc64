/**
 * Unknown fields in text format, by number, as protoc prints them:
 *
 *   1: 150                 varint, as an unsigned 64-bit decimal
 *   2: 0x04030201          fixed32, 8 hex digits
 *   3: 0x0807060504030201  fixed64, 16 hex digits
 *   4: "abc"               length-delimited bytes, C-escaped ...
 *   5 {                    ... or, when they parse as fields, as a nested message
 *     1: 1
 *   }
 *   6 {                    a group, start to end
 *   }
 *
 * The codec keeps a message's unknown fields raw, tag included, under the
 * symbol UNKNOWN_FIELDS (unknown.ts: `Symbol.for('wiregrpc.unknownFields')`).
 * The bytes are only read here, never trusted: what does not parse is printed
 * as bytes, and nesting is bounded.
 */
import { ProtoError } from './error.js';
import { quoteBytes } from './text-format-scalar.js';
import type { TextWriter } from './text-format-writer.js';

/** Where the codec keeps a message's unknown fields (the same registered symbol as unknown.ts's UNKNOWN_FIELDS). */
export const UNKNOWN_FIELDS: unique symbol = Symbol.for('wiregrpc.unknownFields') as never;

/** How deep length-delimited fields are tried as nested messages (protobuf's printer: its recursion budget). */
const MAX_NESTING = 64;

type Entry =
  | { no: number; kind: 'varint' | 'fixed32' | 'fixed64'; value: bigint }
  | { no: number; kind: 'bytes'; value: Uint8Array }
  | { no: number; kind: 'group'; value: Entry[] };

/** The unknown fields of a message value: its raw fields, or an empty list. */
export function unknownFieldsOf(value: object): readonly Uint8Array[] {
  const u = (value as { [UNKNOWN_FIELDS]?: unknown })[UNKNOWN_FIELDS];
  return Array.isArray(u) ? (u as Uint8Array[]).filter((c) => c instanceof Uint8Array) : [];
}

class Bytes {
  pos = 0;
  constructor(readonly b: Uint8Array) {}

  varint(): bigint | undefined {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.b.length) return undefined;
      const byte = this.b[this.pos++]!;
      v |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return v <= 0xffffffffffffffffn ? v : undefined;
    }
    return undefined;
  }

  fixed(n: number): bigint | undefined {
    if (this.pos + n > this.b.length) return undefined;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.b[this.pos + i]!);
    this.pos += n;
    return v;
  }
}

/** The fields in `r` up to its end (or the end-group tag of `group`), or undefined when they do not parse. */
function parseFields(r: Bytes, group: number | undefined, depth: number): Entry[] | undefined {
  const out: Entry[] = [];
  while (r.pos < r.b.length) {
    const tag = r.varint();
    if (tag === undefined || tag > 0xffffffffn) return undefined;
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (no === 0 || no > 0x1fffffff) return undefined;
    switch (wire) {
      case 0:
      case 1:
      case 5: {
        const value = wire === 0 ? r.varint() : r.fixed(wire === 1 ? 8 : 4);
        if (value === undefined) return undefined;
        out.push({ no, kind: wire === 0 ? 'varint' : wire === 1 ? 'fixed64' : 'fixed32', value });
        break;
      }
      case 2: {
        const len = r.varint();
        if (len === undefined || len > BigInt(r.b.length - r.pos)) return undefined;
        out.push({ no, kind: 'bytes', value: r.b.subarray(r.pos, r.pos + Number(len)) });
        r.pos += Number(len);
        break;
      }
      case 3: {
        if (depth >= MAX_NESTING) return undefined;
        const inner = parseFields(r, no, depth + 1);
        if (inner === undefined) return undefined;
        out.push({ no, kind: 'group', value: inner });
        break;
      }
      case 4:
        return no === group ? out : undefined;
      default:
        return undefined;
    }
  }
  return group === undefined ? out : undefined; // a group must end with its end tag
}

function printEntries(entries: readonly Entry[], w: TextWriter, depth: number): void {
  for (const e of entries) {
    const name = String(e.no);
    switch (e.kind) {
      case 'varint':
        w.field(name, String(e.value));
        break;
      case 'fixed32':
        w.field(name, `0x${e.value.toString(16).padStart(8, '0')}`);
        break;
      case 'fixed64':
        w.field(name, `0x${e.value.toString(16).padStart(16, '0')}`);
        break;
      case 'bytes': {
        const nested =
          e.value.length > 0 && depth < MAX_NESTING ? parseFields(new Bytes(e.value), undefined, depth + 1) : undefined;
        if (nested === undefined) w.field(name, quoteBytes(e.value));
        else {
          w.open(name);
          printEntries(nested, w, depth + 1);
          w.close();
        }
        break;
      }
      case 'group':
        w.open(name);
        printEntries(e.value, w, depth + 1);
        w.close();
        break;
    }
  }
}

/** Prints a message's unknown fields (raw, tag included, as the codec keeps them). */
export function printUnknownFields(chunks: readonly Uint8Array[], w: TextWriter): void {
  for (const chunk of chunks) {
    const entries = parseFields(new Bytes(chunk), undefined, 0);
    // The codec keeps bytes it read as fields, so they parse; bytes put there by hand may not.
    if (entries === undefined)
      throw new ProtoError('text', `unknown fields that are not protobuf fields: ${quoteBytes(chunk)}`);
    printEntries(entries, w, 0);
  }
}
