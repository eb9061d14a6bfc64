/**
 * The proto3 JSON mapping (protobuf.dev/programming-guides/json), message by message:
 * - field names: lowerCamelCase `jsonName` out; jsonName or the .proto name in;
 * - fields holding their default are omitted (unless `emitDefaults`);
 *   message, `optional` and oneof fields are written whenever set;
 * - maps as objects keyed by the key's string form; repeated as arrays;
 * - `null` in → the field's default, except for google.protobuf.Value (a JSON
 *   null) and the NullValue enum (its one value), where null is a value;
 * - a field given twice (by both of its names), two members of one oneof, and
 *   unknown keys (unless `ignoreUnknownFields`) are errors;
 * - scalars and enums: json-scalar.ts; well-known types: json-wkt.ts; Any: json-any.ts.
 *
 * Two faces: toJson/fromJson work on JSON values (what JSON.parse returns);
 * toJsonString/fromJsonString on JSON text, read by our own parser
 * (json-text.ts) so that nothing JSON.parse loses is lost: exact 64-bit
 * integers, numbers out of double range, lone surrogates, duplicate keys.
 * Every failure is a ProtoError of kind 'json' naming the field and its path.
 */
import { planFor } from './codec-plan.js';
import { createValue, isImplicitDefault } from './codec-value.js';
import type { FieldSchema, MapValue, MessageSchema } from './schema.js';
import { enumFromJson, enumToJson, mapKeyFromJson, scalarFromJson, scalarToJson } from './json-scalar.js';
import { wktFromJson, wktToJson } from './json-wkt.js';
import { ANY, anyFromJson, anyToJson } from './json-any.js';
import { MAX_DEPTH, parseJsonText, writeJsonText } from './json-text.js';
import { isObject, jsonError, pathField, pathIndex, printError, setKey, show } from './json-types.js';
import type {
  FromJsonOptions,
  JsonInput,
  JsonPath,
  JsonValue,
  ToJsonOptions,
  ToJsonStringOptions,
} from './json-types.js';

export type { FromJsonOptions, JsonInput, JsonValue, ToJsonOptions, ToJsonStringOptions } from './json-types.js';

type Value = Record<string, unknown>;

// ---- value → JSON -------------------------------------------------------------

/** How deep toJson is in nested messages: a value that contains itself is an error, not a stack overflow. */
let printing = 0;

/** A message value as a JSON value (what JSON.stringify can write). Throws ProtoError('json'). */
export function toJson(schema: MessageSchema, value: Value, options: ToJsonOptions = {}): JsonValue {
  if (printing >= MAX_DEPTH) throw printError(schema.typeName, `nested deeper than ${MAX_DEPTH} levels`);
  printing++;
  try {
    return messageToJson(schema, value, options);
  } finally {
    printing--;
  }
}

function messageToJson(schema: MessageSchema, value: Value, options: ToJsonOptions): JsonValue {
  if (schema.typeName === ANY) return anyToJson(schema, value, options, toJson);
  const special = wktToJson(schema, value);
  if (special !== undefined) return special;
  const out: { [key: string]: JsonValue } = {};
  for (const f of schema.fields) {
    // A field with presence that is not set has no own property (a proto2 default reads through the prototype).
    const v =
      f.optional === true && !Object.prototype.hasOwnProperty.call(value, f.localName) ? undefined : value[f.localName];
    const name = options.useProtoNames === true ? f.name : f.jsonName;
    const what = `${schema.typeName}.${f.name}`;
    if (f.kind === 'map') {
      const m = (v ?? {}) as Value;
      const keys = Object.keys(m);
      if (keys.length === 0 && options.emitDefaults !== true) continue;
      const o: { [key: string]: JsonValue } = {};
      for (const k of keys) setKey(o, k, valueToJson(f.value, m[k], what, options));
      out[name] = o;
    } else if (f.repeated === true) {
      const a = v ?? [];
      if (!Array.isArray(a)) throw printError(what, 'a repeated field must be an array');
      if (a.length === 0 && options.emitDefaults !== true) continue;
      out[name] = a.map((e: unknown) => valueToJson(f, e, what, options));
    } else if (v === undefined || v === null) {
      if (options.emitDefaults === true && f.kind !== 'message' && f.optional !== true && f.oneof === undefined) {
        out[name] = valueToJson(f, undefined, what, options);
      }
    } else {
      const explicit = f.kind === 'message' || f.optional === true || f.oneof !== undefined;
      if (!explicit && options.emitDefaults !== true && isImplicitDefault(f, v)) continue;
      out[name] = valueToJson(f, v, what, options);
    }
  }
  return out;
}

function valueToJson(kind: MapValue | FieldSchema, v: unknown, what: string, options: ToJsonOptions): JsonValue {
  switch (kind.kind) {
    case 'message':
      if (v === undefined || v === null) return kind.message.typeName === 'google.protobuf.Value' ? null : {};
      if (typeof v !== 'object') throw printError(what, `${show(String(v))} is not a message (an object)`);
      return toJson(kind.message, v as Value, options);
    case 'enum':
      return enumToJson(kind.enum, v ?? 0, what);
    case 'scalar':
      return scalarToJson(kind.scalar, v, what);
    case 'map':
      throw printError(what, 'a map cannot be a map value');
  }
}

/** A message value as JSON text (one line, or `indent` spaces a level). Throws ProtoError('json'). */
export function toJsonString(schema: MessageSchema, value: Value, options: ToJsonStringOptions = {}): string {
  return writeJsonText(toJson(schema, value, options), options.indent);
}

// ---- JSON → value -------------------------------------------------------------

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

/** Whether JSON null is a value of this field's type (not "the default"). */
function nullIsValue(kind: MapValue | FieldSchema): boolean {
  return (
    (kind.kind === 'message' && kind.message.typeName === 'google.protobuf.Value') ||
    (kind.kind === 'enum' && kind.enum.typeName === 'google.protobuf.NullValue')
  );
}

/** A message value from a JSON value (what JSON.parse returns). Throws ProtoError('json'). */
export function fromJson(schema: MessageSchema, json: JsonValue, options: FromJsonOptions = {}): Value {
  return messageFromJson(schema, json, '', options);
}

/**
 * A message value from JSON text, read by our own parser: a number beyond
 * double range, a lone surrogate or a key given twice is an error, and an
 * integer beyond 2^53 reaches a 64-bit field exactly. Throws ProtoError('json').
 */
export function fromJsonString(schema: MessageSchema, text: string, options: FromJsonOptions = {}): Value {
  return messageFromJson(schema, parseJsonText(text), '', options);
}

function messageFromJson(schema: MessageSchema, json: JsonInput, path: JsonPath, options: FromJsonOptions): Value {
  if (schema.typeName === ANY) return anyFromJson(schema, json, path, options, messageFromJson);
  const special = wktFromJson(schema, json, path);
  if (special !== undefined) return special;
  if (!isObject(json)) throw jsonError(schema.typeName, path, `expected an object, got ${show(json)}`);
  const out = createValue(planFor(schema));
  const lookup = fieldsByJsonKey(schema);
  const seen = new Map<number, string>();
  const oneofs = new Map<string, string>();
  for (const key of Object.keys(json)) {
    const f = lookup.get(key);
    const at = pathField(path, key);
    if (f === undefined) {
      if (options.ignoreUnknownFields === true) continue;
      throw jsonError(schema.typeName, at, `unknown field "${key}"`);
    }
    const what = `${schema.typeName}.${f.name}`;
    const before = seen.get(f.no);
    if (before !== undefined) throw jsonError(what, at, `the field is given twice (as "${before}" and "${key}")`);
    seen.set(f.no, key);
    const j = json[key]!;
    if (j === null && !(f.kind !== 'map' && f.repeated !== true && nullIsValue(f))) continue; // null: the default
    if (f.oneof !== undefined) {
      const other = oneofs.get(f.oneof);
      if (other !== undefined) {
        throw jsonError(what, at, `oneof "${f.oneof}" has two members set ("${other}" and "${key}")`);
      }
      oneofs.set(f.oneof, key);
    }
    if (f.kind === 'map') {
      if (!isObject(j)) throw jsonError(what, at, `expected an object (a map), got ${show(j)}`);
      const m = out[f.localName] as Value;
      for (const k of Object.keys(j)) {
        const kp = pathField(at, k);
        const mk = mapKeyFromJson(f.key, k, what, kp);
        const e = j[k]!;
        if (e === null && !nullIsValue(f.value)) throw jsonError(what, kp, 'null is not a map value');
        const mv = valueFromJson(f.value, e, what, kp, options);
        if (mv !== undefined) m[mk] = mv;
      }
    } else if (f.repeated === true) {
      if (!Array.isArray(j)) throw jsonError(what, at, `expected an array, got ${show(j)}`);
      const list: unknown[] = [];
      j.forEach((e, i) => {
        if (e === null && !nullIsValue(f)) throw jsonError(what, pathIndex(at, i), 'null in a list');
        const ev = valueFromJson(f, e, what, pathIndex(at, i), options);
        if (ev !== undefined) list.push(ev);
      });
      out[f.localName] = list;
    } else {
      const v = valueFromJson(f, j, what, at, options);
      if (v !== undefined) out[f.localName] = v;
      else if (f.oneof !== undefined) oneofs.delete(f.oneof); // an unknown enum name skipped: nothing was set
    }
  }
  return out;
}

/** A field's (or map value's) value; undefined for an enum name skipped under ignoreUnknownFields. */
function valueFromJson(
  kind: MapValue | FieldSchema,
  j: JsonInput,
  what: string,
  path: JsonPath,
  options: FromJsonOptions,
): unknown {
  switch (kind.kind) {
    case 'message':
      return messageFromJson(kind.message, j, path, options);
    case 'enum':
      return enumFromJson(kind.enum, j, what, path, options.ignoreUnknownFields === true);
    case 'scalar':
      return scalarFromJson(kind.scalar, j, what, path);
    case 'map':
      throw jsonError(what, path, 'a map cannot be a map value');
  }
}
