/**
 * The proto3 JSON mapping (protobuf.dev/programming-guides/proto3#json):
 * - field names: lowerCamelCase `jsonName` out; jsonName or the .proto name in;
 * - fields holding their default are omitted (unless `emitDefaults`);
 *   message, `optional` and oneof fields are written whenever set;
 * - int64/uint64 family as decimal strings (numbers accepted in);
 * - bytes as standard padded base64 (URL-safe and unpadded accepted in);
 * - enums by name (the number when unknown; names or numbers accepted in);
 * - NaN, Infinity, -Infinity as strings; float values printed at float precision;
 * - maps as objects keyed by the key's string form;
 * - `null` in → the field's default;
 * - well-known types have their own forms (json-wkt.ts).
 * fromJson reports bad input as GrpcError(INVALID_ARGUMENT) naming the field.
 */
import { decodeBase64, encodeBase64 } from './base64.js';
import { Code } from '../grpc/code.js';
import { GrpcError } from '../grpc/error.js';
import { planFor } from './codec-plan.js';
import { createValue } from './codec-value.js';
import type { EnumSchema, FieldSchema, MapValue, MessageSchema, ScalarType } from './schema.js';
import { wktFromJson, wktToJson } from './json-wkt.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface ToJsonOptions {
  /** Also write fields that hold their default (scalars, empty lists and maps). */
  emitDefaults?: boolean;
  /** Use the .proto field names (`user_name`) instead of jsonName (`userName`). */
  useProtoNames?: boolean;
}

type Value = Record<string, unknown>;

// ---- value → JSON -------------------------------------------------------------

export function toJson(schema: MessageSchema, value: Value, options: ToJsonOptions = {}): JsonValue {
  const special = wktToJson(schema, value, options);
  if (special !== undefined) return special;
  const out: { [key: string]: JsonValue } = {};
  for (const f of schema.fields) {
    const v = value[f.localName];
    const name = options.useProtoNames === true ? f.name : f.jsonName;
    if (f.kind === 'map') {
      const m = (v ?? {}) as Value;
      const keys = Object.keys(m);
      if (keys.length === 0 && options.emitDefaults !== true) continue;
      const o: { [key: string]: JsonValue } = {};
      for (const k of keys) o[k] = valueToJson(f.value, m[k], f, options);
      out[name] = o;
    } else if (f.repeated === true) {
      const a = (v ?? []) as unknown[];
      if (a.length === 0 && options.emitDefaults !== true) continue;
      out[name] = a.map((e) => valueToJson(f, e, f, options));
    } else if (v === undefined || v === null) {
      if (options.emitDefaults === true && f.kind !== 'message' && f.optional !== true && f.oneof === undefined) {
        out[name] = valueToJson(f, undefined, f, options);
      }
    } else {
      const explicit = f.kind === 'message' || f.optional === true || f.oneof !== undefined;
      if (!explicit && options.emitDefaults !== true && isDefault(f, v)) continue;
      out[name] = valueToJson(f, v, f, options);
    }
  }
  return out;
}

function isDefault(f: FieldSchema, v: unknown): boolean {
  if (f.kind === 'enum') return v === 0;
  if (f.kind !== 'scalar') return false;
  switch (f.scalar) {
    case 'string':
      return v === '';
    case 'bytes':
      return (v as Uint8Array).length === 0;
    case 'bool':
      return v === false;
    case 'double':
    case 'float':
      return v === 0 && 1 / (v as number) > 0;
    default:
      return v === 0 || v === 0n;
  }
}

function valueToJson(kind: MapValue | FieldSchema, v: unknown, f: FieldSchema, options: ToJsonOptions): JsonValue {
  switch (kind.kind) {
    case 'message':
      if (v === undefined || v === null) return kind.message.typeName === 'google.protobuf.Value' ? null : {};
      return toJson(kind.message, v as Value, options);
    case 'enum':
      return enumToJson(kind.enum, (v ?? 0) as number);
    case 'scalar':
      return scalarToJson(kind.scalar, v, f);
    default:
      throw new GrpcError(Code.INTERNAL, `toJson: bad schema for ${f.name}`);
  }
}

export function enumToJson(e: EnumSchema, n: number): JsonValue {
  if (e.typeName === 'google.protobuf.NullValue') return null;
  for (const v of e.values) if (v.no === n) return v.name;
  return n;
}

export function scalarToJson(s: ScalarType, v: unknown, f: { name: string }): JsonValue {
  switch (s) {
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return String(v ?? 0n);
    case 'double':
    case 'float': {
      const n = (v ?? 0) as number;
      if (Number.isNaN(n)) return 'NaN';
      if (n === Infinity) return 'Infinity';
      if (n === -Infinity) return '-Infinity';
      return s === 'float' ? shortestFloat(n) : n;
    }
    case 'bytes':
      return encodeBase64((v ?? new Uint8Array(0)) as Uint8Array);
    case 'bool':
      return (v ?? false) as boolean;
    case 'string':
      return (v ?? '') as string;
    default:
      if (v !== undefined && typeof v !== 'number')
        throw new GrpcError(Code.INTERNAL, `toJson: ${f.name} is not a number`);
      return (v ?? 0) as number;
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

export function invalid(where: string, what: string): GrpcError {
  return new GrpcError(Code.INVALID_ARGUMENT, `invalid JSON for ${where}: ${what}`);
}

const lookups = new WeakMap<MessageSchema, Map<string, FieldSchema>>();

function fieldsByJsonKey(schema: MessageSchema): Map<string, FieldSchema> {
  let m = lookups.get(schema);
  if (m === undefined) {
    m = new Map();
    for (const f of schema.fields) m.set(f.name, f);
    for (const f of schema.fields) m.set(f.jsonName, f);
    lookups.set(schema, m);
  }
  return m;
}

function isObject(json: unknown): json is { [key: string]: JsonValue } {
  return typeof json === 'object' && json !== null && !Array.isArray(json);
}

export function fromJson(schema: MessageSchema, json: JsonValue): Value {
  const special = wktFromJson(schema, json);
  if (special !== undefined) return special;
  if (!isObject(json)) throw invalid(schema.typeName, 'expected an object');
  const out = createValue(planFor(schema));
  const lookup = fieldsByJsonKey(schema);
  const oneofs = new Map<string, string>();
  for (const key of Object.keys(json)) {
    const f = lookup.get(key);
    if (f === undefined) throw invalid(schema.typeName, `unknown field "${key}"`);
    const where = `${schema.typeName}.${f.name}`;
    const j = json[key]!;
    const valueNull = j === null && f.kind === 'message' && f.message.typeName === 'google.protobuf.Value';
    if (j === null && !valueNull) continue; // null: the default
    if (f.oneof !== undefined) {
      const other = oneofs.get(f.oneof);
      if (other !== undefined) throw invalid(where, `oneof "${f.oneof}" has two members set ("${other}" and "${key}")`);
      oneofs.set(f.oneof, key);
    }
    if (f.kind === 'map') {
      if (!isObject(j)) throw invalid(where, 'expected an object (a map)');
      const m = out[f.localName] as Value;
      for (const k of Object.keys(j)) {
        const mk = mapKeyFromJson(f.key, k, `${where}["${k}"]`);
        m[mk] = valueFromJson(f.value, j[k]!, `${where}["${k}"]`);
      }
    } else if (f.repeated === true) {
      if (!Array.isArray(j)) throw invalid(where, 'expected an array');
      out[f.localName] = j.map((e, i) => {
        if (e === null && !(f.kind === 'message' && f.message.typeName === 'google.protobuf.Value')) {
          throw invalid(`${where}[${i}]`, 'null in a list');
        }
        return valueFromJson(f, e, `${where}[${i}]`);
      });
    } else {
      out[f.localName] = valueFromJson(f, j, where);
    }
  }
  return out;
}

function valueFromJson(kind: MapValue | FieldSchema, j: JsonValue, where: string): unknown {
  switch (kind.kind) {
    case 'message':
      return fromJson(kind.message, j);
    case 'enum':
      return enumFromJson(kind.enum, j, where);
    case 'scalar':
      return scalarFromJson(kind.scalar, j, where);
    default:
      throw invalid(where, 'bad schema');
  }
}

export function enumFromJson(e: EnumSchema, j: JsonValue, where: string): number {
  if (j === null) return 0;
  if (typeof j === 'string') {
    for (const v of e.values) if (v.name === j) return v.no;
    throw invalid(where, `"${j}" is not a value of enum ${e.typeName}`);
  }
  if (typeof j === 'number' && Number.isInteger(j) && j >= -2147483648 && j <= 2147483647) return j;
  throw invalid(where, `expected an enum name or a 32-bit integer, got ${JSON.stringify(j)}`);
}

const INT_RANGE: Partial<Record<ScalarType, [bigint, bigint]>> = {
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

/** An integer from a JSON number or string (decimal, or an exponent form that is integral). */
function integerFromJson(s: ScalarType, j: JsonValue, where: string): bigint {
  let n: bigint | undefined;
  if (typeof j === 'number') {
    if (Number.isInteger(j)) n = BigInt(j);
  } else if (typeof j === 'string') {
    if (/^-?\d+$/.test(j)) n = BigInt(j);
    else if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(j)) {
      const d = Number(j);
      if (Number.isSafeInteger(d)) n = BigInt(d);
    }
  }
  if (n === undefined) throw invalid(where, `expected an integer (${s}), got ${JSON.stringify(j)}`);
  const [min, max] = INT_RANGE[s]!;
  if (n < min || n > max) throw invalid(where, `${j} is out of range for ${s}`);
  return n;
}

export function scalarFromJson(s: ScalarType, j: JsonValue, where: string): unknown {
  switch (s) {
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return integerFromJson(s, j, where);
    case 'int32':
    case 'uint32':
    case 'sint32':
    case 'fixed32':
    case 'sfixed32':
      return Number(integerFromJson(s, j, where));
    case 'double':
    case 'float': {
      let n: number;
      if (typeof j === 'number') n = j;
      else if (j === 'NaN') n = NaN;
      else if (j === 'Infinity') n = Infinity;
      else if (j === '-Infinity') n = -Infinity;
      else if (typeof j === 'string' && /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(j)) n = Number(j);
      else throw invalid(where, `expected a number, got ${JSON.stringify(j)}`);
      if (s === 'float' && Number.isFinite(n)) {
        const f = Math.fround(n);
        if (!Number.isFinite(f)) throw invalid(where, `${j} is out of range for float`);
        return f;
      }
      return n;
    }
    case 'bool':
      if (typeof j !== 'boolean') throw invalid(where, `expected true or false, got ${JSON.stringify(j)}`);
      return j;
    case 'string':
      if (typeof j !== 'string') throw invalid(where, `expected a string, got ${JSON.stringify(j)}`);
      return j;
    case 'bytes': {
      const b = typeof j === 'string' ? decodeBase64(j) : undefined;
      if (b === undefined) throw invalid(where, 'expected base64');
      return b;
    }
  }
}

/** A map key as it appears in JSON → the key's canonical string form in values. */
function mapKeyFromJson(s: ScalarType, k: string, where: string): string {
  if (s === 'string') return k;
  if (s === 'bool') {
    if (k === 'true' || k === 'false') return k;
    throw invalid(where, 'a bool map key must be "true" or "false"');
  }
  return String(integerFromJson(s, k, where));
}
