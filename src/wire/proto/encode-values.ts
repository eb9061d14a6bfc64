/**
 * What a JavaScript value may be for a field of each protobuf type, checked as
 * it is encoded (codec-encode.ts): the value itself when the type holds it
 * exactly, else a ProtoError naming the field and the value — never a value
 * silently wrapped, truncated or rounded past what the type means.
 *
 *     int32, sint32, sfixed32   an integer in [-2^31, 2^31)     (enum: its number, or a value's name)
 *     uint32, fixed32           an integer in [0, 2^32)
 *     int64 and the like        a bigint in range, a safe-integer number, or a decimal string
 *     double                    any number
 *     float                     a number float32 holds (NaN, ±Infinity too; finite beyond its range: an error)
 */
import { ProtoError } from './error.js';
import { FieldType, type FieldPlan } from './codec-plan.js';

/** A value as an error message shows it. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
    case 'bigint':
      return `${v}n`;
    case 'number':
    case 'boolean':
      return String(v);
    case 'object':
      return v instanceof Uint8Array ? 'a Uint8Array' : 'an object';
    default:
      return typeof v;
  }
}

export function badValue(f: FieldPlan, v: unknown, expected: string): ProtoError {
  return new ProtoError('encode', `cannot encode ${f.fullName}: expected ${expected}, got ${describe(v)}`);
}

function outOfRange(f: FieldPlan, v: unknown, type: string): ProtoError {
  return new ProtoError('encode', `cannot encode ${f.fullName}: ${describe(v)} is not a valid ${type}`);
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;
const FLOAT32_MAX = 3.4028234663852886e38;
const DECIMAL = /^-?[0-9]+$/;

/** An int32, sint32, sfixed32 or enum value: an integer in [-2^31, 2^31), or an enum value's name. */
export function int32Of(f: FieldPlan, v: unknown): number {
  if (typeof v === 'number') {
    if ((v | 0) === v) return v;
    throw outOfRange(f, v, f.enumNumbers !== undefined ? 'enum number (an int32)' : 'int32');
  }
  if (typeof v === 'string' && f.enumNumbers !== undefined) {
    const n = f.enumNumbers.get(v);
    if (n !== undefined) return n;
    throw badValue(f, v, `a value of the enum (${[...f.enumNumbers.keys()].slice(0, 5).join(', ')}, …) or its number`);
  }
  throw badValue(f, v, f.enumNumbers !== undefined ? 'an enum number or name' : 'a number');
}

/** A uint32 or fixed32: an integer in [0, 2^32). */
export function uint32Of(f: FieldPlan, v: unknown): number {
  if (typeof v !== 'number') throw badValue(f, v, 'a number');
  if (v >>> 0 !== v) throw outOfRange(f, v, 'uint32');
  return v;
}

export function isUnsigned(type: number): boolean {
  return type === FieldType.UINT64 || type === FieldType.FIXED64;
}

/** A 64-bit integer: a bigint in range, a safe-integer number, or a decimal string. */
export function int64Of(f: FieldPlan, type: number, v: unknown): bigint | number {
  const unsigned = isUnsigned(type);
  if (typeof v === 'bigint') {
    if (unsigned ? v >= 0n && v <= UINT64_MAX : v >= INT64_MIN && v <= INT64_MAX) return v;
    throw outOfRange(f, v, unsigned ? 'uint64' : 'int64');
  }
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && (!unsigned || v >= 0)) return v;
    throw outOfRange(
      f,
      v,
      unsigned ? 'uint64 (as a number: a safe integer ≥ 0)' : 'int64 (as a number: a safe integer)',
    );
  }
  if (typeof v === 'string') {
    if (!DECIMAL.test(v)) throw badValue(f, v, 'an integer (a decimal string)');
    return int64Of(f, type, BigInt(v));
  }
  throw badValue(f, v, 'a bigint, a safe-integer number or a decimal string');
}

export function doubleOf(f: FieldPlan, v: unknown): number {
  if (typeof v !== 'number') throw badValue(f, v, 'a number');
  return v;
}

/** A float: any number that float32 holds, rounded to it (NaN and ±Infinity too); finite beyond its range is an error. */
export function floatOf(f: FieldPlan, v: unknown): number {
  if (typeof v !== 'number') throw badValue(f, v, 'a number');
  if (v > FLOAT32_MAX || v < -FLOAT32_MAX) {
    if (Number.isFinite(v)) throw outOfRange(f, v, 'float (beyond float32 range)');
  }
  return v;
}
