/**
 * Scalars and enums in proto3 JSON (protobuf.dev/programming-guides/json):
 *
 *   int32, uint32, s/fixed32     number            (in: also "12", 1e3, "1e3" when integral)
 *   int64, uint64, s/fixed64     "decimal string"  (in: also a number; exact beyond 2^53 from fromJsonString)
 *   float, double                number, "NaN", "Infinity", "-Infinity"  (floats at float precision)
 *   bool                         true / false
 *   string                       string
 *   bytes                        standard padded base64  (in: URL-safe and unpadded too)
 *   enum                         the value's name; the number when it has none  (in: name or number)
 *   map keys                     the key's string form: "true", "-1", "abc"
 */
import { decodeBase64, encodeBase64 } from './base64.js';
import type { EnumSchema, ScalarType } from './schema.js';
import { jsonError, printError, show, type JsonInput, type JsonPath, type JsonValue } from './json-types.js';

// ---- value → JSON -------------------------------------------------------------

export function enumToJson(e: EnumSchema, n: unknown, what: string): JsonValue {
  if (e.typeName === 'google.protobuf.NullValue') return null;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw printError(what, `${String(n)} is not an enum number`);
  for (const v of e.values) if (v.no === n) return v.name;
  return n;
}

const INT_RANGE: Record<Exclude<ScalarType, 'double' | 'float' | 'bool' | 'string' | 'bytes'>, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

/** A value of an integer field as a bigint: a bigint, a safe-integer number or a decimal string, in range. */
function integerValue(s: keyof typeof INT_RANGE, v: unknown, what: string): bigint {
  let n: bigint | undefined;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^-?\d+$/.test(v)) n = BigInt(v);
  if (n === undefined) throw printError(what, `${show(String(v))} is not an integer (${s})`);
  const [min, max] = INT_RANGE[s];
  if (n < min || n > max) throw printError(what, `${n} is out of range for ${s}`);
  return n;
}

export function scalarToJson(s: ScalarType, v: unknown, what: string): JsonValue {
  switch (s) {
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return String(integerValue(s, v ?? 0n, what));
    case 'int32':
    case 'uint32':
    case 'sint32':
    case 'fixed32':
    case 'sfixed32':
      return Number(integerValue(s, v ?? 0, what));
    case 'double':
    case 'float': {
      const n = v ?? 0;
      if (typeof n !== 'number') throw printError(what, `${show(String(n))} is not a number (${s})`);
      if (Number.isNaN(n)) return 'NaN';
      if (n === Infinity) return 'Infinity';
      if (n === -Infinity) return '-Infinity';
      return s === 'float' ? shortestFloat(n) : n;
    }
    case 'bytes':
      if (v !== undefined && !(v instanceof Uint8Array)) throw printError(what, 'bytes must be a Uint8Array');
      return encodeBase64(v ?? new Uint8Array(0));
    case 'bool':
      if (v !== undefined && typeof v !== 'boolean') throw printError(what, `${show(String(v))} is not a boolean`);
      return v ?? false;
    case 'string':
      if (v !== undefined && typeof v !== 'string') throw printError(what, `${show(String(v))} is not a string`);
      return v ?? '';
  }
}

/** The shortest decimal that reads back as the same float32 (as protobuf prints floats). */
function shortestFloat(n: number): number {
  if (n === 0) return n; // keeps -0
  for (let p = 1; p <= 9; p++) {
    const d = Number(n.toPrecision(p));
    if (Math.fround(d) === n) return d;
  }
  return n;
}

// ---- JSON → value -------------------------------------------------------------

/** An enum value: its number, or undefined for an unknown name when unknown names are to be skipped. */
export function enumFromJson(
  e: EnumSchema,
  j: JsonInput,
  what: string,
  path: JsonPath,
  skipUnknown = false,
): number | undefined {
  if (j === null) return 0;
  if (typeof j === 'string') {
    for (const v of e.values) if (v.name === j) return v.no;
    if (skipUnknown) return undefined;
    throw jsonError(what, path, `"${j}" is not a value of enum ${e.typeName}`);
  }
  if (typeof j === 'number' && Number.isInteger(j) && j >= -2147483648 && j <= 2147483647) return j;
  throw jsonError(what, path, `expected an enum name or a 32-bit integer, got ${show(j)}`);
}

/** An integer from a JSON number or string (decimal, or an exponent form that is integral). */
function integerFromJson(s: keyof typeof INT_RANGE, j: JsonInput, what: string, path: JsonPath): bigint {
  let n: bigint | undefined;
  if (typeof j === 'bigint') n = j;
  else if (typeof j === 'number') {
    if (Number.isInteger(j)) n = BigInt(j);
  } else if (typeof j === 'string') {
    if (/^-?\d+$/.test(j)) n = BigInt(j);
    else if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(j)) {
      const d = Number(j);
      if (Number.isSafeInteger(d)) n = BigInt(d);
    }
  }
  if (n === undefined) throw jsonError(what, path, `expected an integer (${s}), got ${show(j)}`);
  const [min, max] = INT_RANGE[s];
  if (n < min || n > max) throw jsonError(what, path, `${show(j)} is out of range for ${s}`);
  return n;
}

const DECIMAL = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function scalarFromJson(s: ScalarType, j: JsonInput, what: string, path: JsonPath): unknown {
  switch (s) {
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return integerFromJson(s, j, what, path);
    case 'int32':
    case 'uint32':
    case 'sint32':
    case 'fixed32':
    case 'sfixed32':
      return Number(integerFromJson(s, j, what, path));
    case 'double':
    case 'float': {
      let n: number;
      if (typeof j === 'number') n = j;
      else if (typeof j === 'bigint') n = Number(j);
      else if (j === 'NaN') return NaN;
      else if (j === 'Infinity') return Infinity;
      else if (j === '-Infinity') return -Infinity;
      else if (typeof j === 'string' && DECIMAL.test(j)) n = Number(j);
      else throw jsonError(what, path, `expected a number, got ${show(j)}`);
      if (!Number.isFinite(n)) throw jsonError(what, path, `${show(j)} is out of range for double`);
      if (s === 'float') {
        const f = Math.fround(n);
        if (!Number.isFinite(f)) throw jsonError(what, path, `${show(j)} is out of range for float`);
        return f;
      }
      return n;
    }
    case 'bool':
      if (typeof j !== 'boolean') throw jsonError(what, path, `expected true or false, got ${show(j)}`);
      return j;
    case 'string':
      if (typeof j !== 'string') throw jsonError(what, path, `expected a string, got ${show(j)}`);
      return j;
    case 'bytes': {
      const b = typeof j === 'string' ? decodeBase64(j) : undefined;
      if (b === undefined) throw jsonError(what, path, `expected base64, got ${show(j)}`);
      return b;
    }
  }
}

/** A map key as it appears in JSON → the key's canonical string form in values. */
export function mapKeyFromJson(s: ScalarType, k: string, what: string, path: JsonPath): string {
  switch (s) {
    case 'string':
      return k;
    case 'bool':
      if (k === 'true' || k === 'false') return k;
      throw jsonError(what, path, `a bool map key must be "true" or "false", got ${show(k)}`);
    case 'int32':
    case 'uint32':
    case 'sint32':
    case 'fixed32':
    case 'sfixed32':
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return String(integerFromJson(s, k, what, path));
    case 'double':
    case 'float':
    case 'bytes':
      throw jsonError(what, path, `${s} cannot be a map key`);
  }
}
