/**
 * The order of map entries in protobuf's deterministic output (the binary
 * encoder, codec-encode.ts, and the text format, text-format-printer.ts): by key —
 * numerically for integer keys, false before true, strings in code point order
 * (which is UTF-8 byte order).
 */
import { FieldType } from './codec-plan.js';

/** Sorts map keys (their string forms) the way protobuf's deterministic serialization does. */
export function sortKeys(keys: string[], type: number): void {
  switch (type) {
    case FieldType.STRING:
      keys.sort(compareCodePoints);
      return;
    case FieldType.BOOL:
      keys.sort();
      return;
    case FieldType.INT64:
    case FieldType.UINT64:
    case FieldType.SINT64:
    case FieldType.FIXED64:
    case FieldType.SFIXED64:
      keys.sort((a, b) => {
        const x = safeBigInt(a);
        const y = safeBigInt(b);
        return x < y ? -1 : x > y ? 1 : 0;
      });
      return;
    default:
      keys.sort((a, b) => Number(a) - Number(b));
  }
}

function safeBigInt(k: string): bigint {
  try {
    return BigInt(k);
  } catch {
    return 0n; // reported by mapKey when the entry is written
  }
}

/**
 * Code point order, which is UTF-8 byte order (what protobuf sorts by).
 * JavaScript's default compares UTF-16 units, which puts surrogate pairs
 * (U+10000 and up) before U+E000..U+FFFF; this moves them after.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return fold(x) - fold(y);
  }
  return a.length - b.length;
}

function fold(u: number): number {
  return u < 0xd800 ? u : u < 0xe000 ? u + 0x2000 : u - 0x800;
}
