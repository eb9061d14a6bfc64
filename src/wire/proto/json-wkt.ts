/**
 * Well-known types with their own proto3 JSON forms, recognised by type name:
 * - Timestamp `"1972-01-01T10:00:20.021Z"` (RFC 3339: upper-case T and Z, UTC
 *   out with 0, 3, 6 or 9 fractional digits; offsets accepted in), years 0001..9999;
 * - Duration `"-3.500s"`, ±315,576,000,000 s, nanos of the seconds' sign;
 * - wrappers (Int32Value, StringValue, …) as their bare value;
 * - Struct as an object, Value as any JSON value, ListValue as an array;
 * - FieldMask `"userName,a.bC"`: paths in lowerCamelCase, comma-joined; a
 *   path that would not come back the same (`fooBar`, `foo__bar`, `foo_3`) is
 *   refused on print, and a path with `_` on parse;
 * - Empty is `{}` like any other message; Any is json-any.ts (it needs a registry).
 */
import { planFor } from './codec-plan.js';
import { createValue } from './codec-value.js';
import type { MessageSchema, ScalarType } from './schema.js';
import { scalarFromJson, scalarToJson } from './json-scalar.js';
import { MAX_DEPTH } from './json-text.js';
import { jsonError, printError, show, isObject, pathField, pathIndex, setKey } from './json-types.js';
import type { JsonInput, JsonPath, JsonValue } from './json-types.js';

type Value = Record<string, unknown>;

const WRAPPERS: Record<string, ScalarType> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

const SPECIAL = new Set([
  ...Object.keys(WRAPPERS),
  'google.protobuf.Timestamp',
  'google.protobuf.Duration',
  'google.protobuf.Struct',
  'google.protobuf.ListValue',
  'google.protobuf.Value',
  'google.protobuf.FieldMask',
]);

/** Whether a type has a JSON form of its own here (inside an Any, such a message goes under `"value"`). */
export function hasWktJson(typeName: string): boolean {
  return SPECIAL.has(typeName);
}

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds. */
const MIN_TIMESTAMP = -62135596800;
const MAX_TIMESTAMP = 253402300799;
/** 10,000 years of seconds: the range protobuf gives Duration. */
const MAX_DURATION = 315576000000;

/** Sub-message schema of a well-known type's field, by local name. */
function sub(schema: MessageSchema, localName: string): MessageSchema {
  const f = schema.fields.find((x) => x.localName === localName);
  if (f?.kind === 'message') return f.message;
  if (f?.kind === 'map' && f.value.kind === 'message') return f.value.message;
  throw printError(schema.typeName, `its schema has no message field ${localName}`);
}

/** seconds of a Timestamp or Duration as a number (within ±2^53 by the ranges checked after). */
function secondsOf(v: unknown, what: string): number {
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return Number(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  throw printError(what, `seconds ${show(String(v))} is not an integer`);
}

function nanosOf(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw printError(what, `nanos ${show(String(v))} is not an integer`);
}

/** The fractional part protobuf prints: none, or 3, 6 or 9 digits. */
function fraction(nanos: number): string {
  if (nanos === 0) return '';
  if (nanos % 1_000_000 === 0) return `.${String(nanos / 1_000_000).padStart(3, '0')}`;
  if (nanos % 1_000 === 0) return `.${String(nanos / 1_000).padStart(6, '0')}`;
  return `.${String(nanos).padStart(9, '0')}`;
}

/** A FieldMask path in lowerCamelCase, when it comes back the same through camelToSnake. */
function pathToCamel(p: string, what: string): string {
  if (/[A-Z]/.test(p) || /_(?![a-z])/.test(p)) {
    throw printError(what, `the path ${show(p)} has no lowerCamelCase form that reads back as the same path`);
  }
  return p.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

export function wktToJson(schema: MessageSchema, v: Value, depth = 0): JsonValue | undefined {
  const name = schema.typeName;
  if (!SPECIAL.has(name)) return undefined;
  if (depth > MAX_DEPTH) throw printError(name, `nested deeper than ${MAX_DEPTH} levels`);
  const wrapped = WRAPPERS[name];
  if (wrapped !== undefined) return scalarToJson(wrapped, v['value'], `${name}.value`);
  switch (name) {
    case 'google.protobuf.Timestamp': {
      const seconds = secondsOf(v['seconds'] ?? 0, name);
      const nanos = nanosOf(v['nanos'] ?? 0, name);
      if (seconds < MIN_TIMESTAMP || seconds > MAX_TIMESTAMP) {
        throw printError(name, `seconds ${seconds} is outside years 0001..9999`);
      }
      if (nanos < 0 || nanos > 999_999_999) throw printError(name, `nanos ${nanos} is outside 0..999999999`);
      return `${new Date(seconds * 1000).toISOString().slice(0, 19)}${fraction(nanos)}Z`;
    }
    case 'google.protobuf.Duration': {
      const seconds = secondsOf(v['seconds'] ?? 0, name);
      const nanos = nanosOf(v['nanos'] ?? 0, name);
      if (Math.abs(seconds) > MAX_DURATION) throw printError(name, `seconds ${seconds} is beyond ±${MAX_DURATION}`);
      if (Math.abs(nanos) > 999_999_999 || (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
        throw printError(name, `nanos ${nanos} is beyond ±999999999 or of another sign than seconds ${seconds}`);
      }
      const sign = seconds < 0 || nanos < 0 ? '-' : '';
      return `${sign}${Math.abs(seconds)}${fraction(Math.abs(nanos))}s`;
    }
    case 'google.protobuf.Struct': {
      const fields = (v['fields'] ?? {}) as Value;
      const valueSchema = sub(schema, 'fields');
      const out: { [key: string]: JsonValue } = {};
      for (const k of Object.keys(fields)) setKey(out, k, wktToJson(valueSchema, fields[k] as Value, depth + 1)!);
      return out;
    }
    case 'google.protobuf.ListValue': {
      const valueSchema = sub(schema, 'values');
      return ((v['values'] ?? []) as Value[]).map((e) => wktToJson(valueSchema, e, depth + 1)!);
    }
    case 'google.protobuf.Value': {
      if (v['nullValue'] !== undefined) return null;
      const n = v['numberValue'];
      if (n !== undefined) {
        if (typeof n !== 'number' || !Number.isFinite(n)) {
          throw printError(name, `number_value ${show(String(n))} is no finite number (JSON has none)`);
        }
        return n;
      }
      if (v['stringValue'] !== undefined) return scalarToJson('string', v['stringValue'], `${name}.string_value`);
      if (v['boolValue'] !== undefined) return scalarToJson('bool', v['boolValue'], `${name}.bool_value`);
      if (v['structValue'] !== undefined)
        return wktToJson(sub(schema, 'structValue'), v['structValue'] as Value, depth + 1)!;
      if (v['listValue'] !== undefined) return wktToJson(sub(schema, 'listValue'), v['listValue'] as Value, depth + 1)!;
      throw printError(name, 'no kind is set (JSON has no form for an empty Value)');
    }
    case 'google.protobuf.FieldMask':
      return ((v['paths'] ?? []) as string[]).map((p) => pathToCamel(p, name)).join(',');
    default:
      return undefined;
  }
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;

function fractionNanos(digits: string | undefined): number {
  return digits === undefined ? 0 : Number(digits.padEnd(9, '0'));
}

export function wktFromJson(schema: MessageSchema, j: JsonInput, path: JsonPath): Value | undefined {
  const name = schema.typeName;
  if (!SPECIAL.has(name)) return undefined;
  const out = (): Value => createValue(planFor(schema));
  const wrapped = WRAPPERS[name];
  if (wrapped !== undefined) {
    const o = out();
    o['value'] = scalarFromJson(wrapped, j, name, path);
    return o;
  }
  switch (name) {
    case 'google.protobuf.Timestamp': {
      const m = typeof j === 'string' ? TIMESTAMP.exec(j) : null;
      if (m === null) throw jsonError(name, path, `expected an RFC 3339 timestamp ("…T…Z"), got ${show(j)}`);
      const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
      const date = new Date(0);
      date.setUTCFullYear(y, mo - 1, d);
      const realDay = date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
      if (!realDay || h > 23 || mi > 59 || s > 59) throw jsonError(name, path, `no such date or time: ${show(j)}`);
      let seconds = date.getTime() / 1000 + h * 3600 + mi * 60 + s;
      if (m[8] !== undefined) seconds -= (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10]) * 60);
      if (seconds < MIN_TIMESTAMP || seconds > MAX_TIMESTAMP) {
        throw jsonError(name, path, `${show(j)} is outside years 0001..9999`);
      }
      const o = out();
      o['seconds'] = BigInt(seconds);
      o['nanos'] = fractionNanos(m[7]);
      return o;
    }
    case 'google.protobuf.Duration': {
      const m = typeof j === 'string' ? DURATION.exec(j) : null;
      if (m === null) throw jsonError(name, path, `expected a duration like "1.5s", got ${show(j)}`);
      const seconds = BigInt(m[2]!);
      if (seconds > BigInt(MAX_DURATION)) throw jsonError(name, path, `${show(j)} is out of range (±${MAX_DURATION}s)`);
      const neg = m[1] === '-';
      const nanos = fractionNanos(m[3]);
      const o = out();
      o['seconds'] = neg ? -seconds : seconds;
      o['nanos'] = neg && nanos !== 0 ? -nanos : nanos;
      return o;
    }
    case 'google.protobuf.Struct': {
      if (!isObject(j)) throw jsonError(name, path, `expected an object, got ${show(j)}`);
      const o = out();
      const fields = o['fields'] as Value;
      const valueSchema = sub(schema, 'fields');
      for (const k of Object.keys(j)) fields[k] = wktFromJson(valueSchema, j[k]!, pathField(path, k));
      return o;
    }
    case 'google.protobuf.ListValue': {
      if (!Array.isArray(j)) throw jsonError(name, path, `expected an array, got ${show(j)}`);
      const valueSchema = sub(schema, 'values');
      const o = out();
      o['values'] = j.map((e, i) => wktFromJson(valueSchema, e, pathIndex(path, i)));
      return o;
    }
    case 'google.protobuf.Value': {
      const o = out();
      if (j === null) o['nullValue'] = 0;
      else if (typeof j === 'number') o['numberValue'] = j;
      else if (typeof j === 'bigint')
        o['numberValue'] = Number(j); // a double, as number_value is
      else if (typeof j === 'string') o['stringValue'] = j;
      else if (typeof j === 'boolean') o['boolValue'] = j;
      else if (Array.isArray(j)) o['listValue'] = wktFromJson(sub(schema, 'listValue'), j, path);
      else o['structValue'] = wktFromJson(sub(schema, 'structValue'), j, path);
      return o;
    }
    case 'google.protobuf.FieldMask': {
      if (typeof j !== 'string')
        throw jsonError(name, path, `expected a string of comma-separated paths, got ${show(j)}`);
      const o = out();
      const paths = j === '' ? [] : j.split(',');
      for (const p of paths) {
        if (p.includes('_')) throw jsonError(name, path, `the path ${show(p)} is not lowerCamelCase`);
      }
      o['paths'] = paths.map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
      return o;
    }
    default:
      return undefined;
  }
}
