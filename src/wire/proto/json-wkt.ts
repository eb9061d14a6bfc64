/**
 * Well-known types with their own proto3 JSON forms, recognised by type name:
 * - Timestamp `"1972-01-01T10:00:20.021Z"` (RFC 3339, UTC out; 0, 3, 6 or 9
 *   fractional digits; offsets accepted in), years 0001..9999;
 * - Duration `"-3.500s"`, ±315,576,000,000 s;
 * - wrappers (Int32Value, StringValue, …) as their bare value;
 * - Struct as an object, Value as any JSON value, ListValue as an array;
 * - FieldMask `"userName,a.bC"` (paths in lowerCamelCase, comma-joined);
 * - Empty is `{}` like any other message. (Any is not special-cased here:
 *   its JSON form needs a type registry.)
 */
import { Code } from '../grpc/code.js';
import { GrpcError } from '../grpc/error.js';
import { planFor } from './codec-plan.js';
import { createValue } from './codec-value.js';
import type { MessageSchema, ScalarType } from './schema.js';
import { invalid, scalarFromJson, scalarToJson, type JsonValue, type ToJsonOptions } from './json.js';

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

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds. */
const MIN_TIMESTAMP = -62135596800;
const MAX_TIMESTAMP = 253402300799;
const MAX_DURATION = 315576000000;

function bad(typeName: string, what: string): GrpcError {
  return new GrpcError(Code.INTERNAL, `toJson: invalid ${typeName}: ${what}`);
}

/** Sub-message schema of a well-known type's field, by local name. */
function sub(schema: MessageSchema, localName: string): MessageSchema {
  const f = schema.fields.find((x) => x.localName === localName);
  if (f === undefined || (f.kind !== 'message' && f.kind !== 'map'))
    throw new GrpcError(Code.INTERNAL, `${schema.typeName} has no message field ${localName}`);
  if (f.kind === 'map') {
    if (f.value.kind !== 'message')
      throw new GrpcError(Code.INTERNAL, `${schema.typeName}.${localName} is not a map of messages`);
    return f.value.message;
  }
  return f.message;
}

/** The fractional part protobuf prints: none, or 3, 6 or 9 digits. */
function fraction(nanos: number): string {
  if (nanos === 0) return '';
  if (nanos % 1_000_000 === 0) return `.${String(nanos / 1_000_000).padStart(3, '0')}`;
  if (nanos % 1_000 === 0) return `.${String(nanos / 1_000).padStart(6, '0')}`;
  return `.${String(nanos).padStart(9, '0')}`;
}

export function wktToJson(schema: MessageSchema, v: Value, options: ToJsonOptions): JsonValue | undefined {
  const name = schema.typeName;
  if (!name.startsWith('google.protobuf.')) return undefined;
  const wrapped = WRAPPERS[name];
  if (wrapped !== undefined) return scalarToJson(wrapped, v['value'], { name: `${name}.value` });
  switch (name) {
    case 'google.protobuf.Timestamp': {
      const seconds = Number(v['seconds'] ?? 0);
      const nanos = (v['nanos'] ?? 0) as number;
      if (seconds < MIN_TIMESTAMP || seconds > MAX_TIMESTAMP) throw bad(name, `seconds ${seconds} out of range`);
      if (nanos < 0 || nanos > 999_999_999) throw bad(name, `nanos ${nanos} out of range`);
      return `${new Date(seconds * 1000).toISOString().slice(0, 19)}${fraction(nanos)}Z`;
    }
    case 'google.protobuf.Duration': {
      const seconds = Number(v['seconds'] ?? 0);
      const nanos = (v['nanos'] ?? 0) as number;
      if (Math.abs(seconds) > MAX_DURATION) throw bad(name, `seconds ${seconds} out of range`);
      if (Math.abs(nanos) > 999_999_999 || (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
        throw bad(name, `nanos ${nanos} out of range or of another sign than seconds`);
      }
      const sign = seconds < 0 || nanos < 0 ? '-' : '';
      return `${sign}${Math.abs(seconds)}${fraction(Math.abs(nanos))}s`;
    }
    case 'google.protobuf.Struct': {
      const fields = (v['fields'] ?? {}) as Value;
      const valueSchema = sub(schema, 'fields');
      const out: { [key: string]: JsonValue } = {};
      for (const k of Object.keys(fields)) out[k] = wktToJson(valueSchema, fields[k] as Value, options)!;
      return out;
    }
    case 'google.protobuf.ListValue': {
      const valueSchema = sub(schema, 'values');
      return ((v['values'] ?? []) as Value[]).map((e) => wktToJson(valueSchema, e, options)!);
    }
    case 'google.protobuf.Value': {
      if (v['nullValue'] !== undefined) return null;
      const n = v['numberValue'];
      if (n !== undefined) {
        if (!Number.isFinite(n)) throw bad(name, 'a number value must be finite');
        return n as number;
      }
      if (v['stringValue'] !== undefined) return v['stringValue'] as string;
      if (v['boolValue'] !== undefined) return v['boolValue'] as boolean;
      if (v['structValue'] !== undefined)
        return wktToJson(sub(schema, 'structValue'), v['structValue'] as Value, options)!;
      if (v['listValue'] !== undefined) return wktToJson(sub(schema, 'listValue'), v['listValue'] as Value, options)!;
      throw bad(name, 'no kind is set');
    }
    case 'google.protobuf.FieldMask':
      return ((v['paths'] ?? []) as string[])
        .map((p) => p.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()))
        .join(',');
    default:
      return undefined;
  }
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;

function nanosOf(digits: string | undefined): number {
  return digits === undefined ? 0 : Number(digits.padEnd(9, '0'));
}

export function wktFromJson(schema: MessageSchema, j: JsonValue): Value | undefined {
  const name = schema.typeName;
  if (!name.startsWith('google.protobuf.')) return undefined;
  const out = (): Value => createValue(planFor(schema));
  const wrapped = WRAPPERS[name];
  if (wrapped !== undefined) {
    const o = out();
    o['value'] = scalarFromJson(wrapped, j, name);
    return o;
  }
  switch (name) {
    case 'google.protobuf.Timestamp': {
      const m = typeof j === 'string' ? TIMESTAMP.exec(j) : null;
      if (m === null) throw invalid(name, `expected an RFC 3339 timestamp, got ${JSON.stringify(j)}`);
      const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
      const date = new Date(0);
      date.setUTCFullYear(y, mo - 1, d);
      if (
        date.getUTCFullYear() !== y ||
        date.getUTCMonth() !== mo - 1 ||
        date.getUTCDate() !== d ||
        h > 23 ||
        mi > 59 ||
        s > 59
      ) {
        throw invalid(name, `no such date or time: ${j}`);
      }
      let seconds = date.getTime() / 1000 + h * 3600 + mi * 60 + s;
      if (m[8] !== undefined) seconds -= (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10]) * 60);
      if (seconds < MIN_TIMESTAMP || seconds > MAX_TIMESTAMP) throw invalid(name, `${j} is outside years 0001..9999`);
      const o = out();
      o['seconds'] = BigInt(seconds);
      o['nanos'] = nanosOf(m[7]);
      return o;
    }
    case 'google.protobuf.Duration': {
      const m = typeof j === 'string' ? DURATION.exec(j) : null;
      if (m === null) throw invalid(name, `expected a duration like "1.5s", got ${JSON.stringify(j)}`);
      const seconds = BigInt(m[2]!);
      if (seconds > BigInt(MAX_DURATION)) throw invalid(name, `${j} is out of range`);
      const neg = m[1] === '-';
      const nanos = nanosOf(m[3]);
      const o = out();
      o['seconds'] = neg ? -seconds : seconds;
      o['nanos'] = neg && nanos !== 0 ? -nanos : nanos;
      return o;
    }
    case 'google.protobuf.Struct': {
      if (typeof j !== 'object' || j === null || Array.isArray(j)) throw invalid(name, 'expected an object');
      const o = out();
      const fields = o['fields'] as Value;
      const valueSchema = sub(schema, 'fields');
      for (const k of Object.keys(j)) fields[k] = wktFromJson(valueSchema, j[k]!);
      return o;
    }
    case 'google.protobuf.ListValue': {
      if (!Array.isArray(j)) throw invalid(name, 'expected an array');
      const o = out();
      const valueSchema = sub(schema, 'values');
      o['values'] = j.map((e) => wktFromJson(valueSchema, e));
      return o;
    }
    case 'google.protobuf.Value': {
      const o = out();
      if (j === null) o['nullValue'] = 0;
      else if (typeof j === 'number') o['numberValue'] = j;
      else if (typeof j === 'string') o['stringValue'] = j;
      else if (typeof j === 'boolean') o['boolValue'] = j;
      else if (Array.isArray(j)) o['listValue'] = wktFromJson(sub(schema, 'listValue'), j);
      else o['structValue'] = wktFromJson(sub(schema, 'structValue'), j);
      return o;
    }
    case 'google.protobuf.FieldMask': {
      if (typeof j !== 'string') throw invalid(name, 'expected a string of comma-separated paths');
      const o = out();
      o['paths'] = j === '' ? [] : j.split(',').map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
      return o;
    }
    default:
      return undefined;
  }
}
