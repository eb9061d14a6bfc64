/**
 * The vocabulary the JSON files share (json.ts, json-scalar.ts, json-wkt.ts,
 * json-any.ts, json-tokenizer.ts): the JSON value types, the options, and the
 * one way they fail — a ProtoError of kind 'json' that names the field (its
 * full name in the schema) and where it sits in the document (`a.b[2]["k"]`).
 */
import { ProtoError } from './error.js';
import type { TypeRegistry } from './json-registry.js';

/** A JSON document as JSON.parse returns it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A JSON document as fromJsonString's own parser returns it: like JsonValue,
 * except that an integer literal beyond ±2^53 (which a double cannot hold
 * exactly) stays exact as a bigint, for the 64-bit fields that need it.
 */
export type JsonInput = null | boolean | number | bigint | string | JsonInput[] | { [key: string]: JsonInput };

export interface ToJsonOptions {
  /** Also write fields that hold their default (scalars, empty lists and maps). */
  emitDefaults?: boolean;
  /** Use the .proto field names (`user_name`) instead of jsonName (`userName`). */
  useProtoNames?: boolean;
  /** Where google.protobuf.Any finds the message types its `type_url`s name. */
  registry?: TypeRegistry;
}

export interface FromJsonOptions {
  /** Skip object keys that name no field (and enum names that name no value) instead of failing. */
  ignoreUnknownFields?: boolean;
  /** Where google.protobuf.Any finds the message types its `@type`s name. */
  registry?: TypeRegistry;
}

export interface ToJsonStringOptions extends ToJsonOptions {
  /** Spaces of indentation (JSON.stringify's third argument); one line when absent. */
  indent?: number;
}

/** A place in the JSON document: `""` for the top, then `.name`, `[3]`, `["key"]`. */
export type JsonPath = string;

export function pathField(path: JsonPath, key: string): JsonPath {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? (path === '' ? key : `${path}.${key}`) : `${path}[${JSON.stringify(key)}]`;
}

export function pathIndex(path: JsonPath, i: number): JsonPath {
  return `${path}[${i}]`;
}

/** The error of JSON that does not fit the schema: `what` (a field's or type's full name) at `path`. */
export function jsonError(what: string, path: JsonPath, problem: string): ProtoError {
  return new ProtoError('json', `invalid JSON for ${what}${path === '' ? '' : ` at ${path}`}: ${problem}`);
}

/** The error of a value toJson cannot print (a Timestamp after 9999, an Any of an unknown type). */
export function printError(what: string, problem: string): ProtoError {
  return new ProtoError('json', `cannot write ${what} as JSON: ${problem}`);
}

/** A JSON value in an error message: short, and a bigint without the `n`. */
export function show(j: JsonInput | undefined): string {
  if (typeof j === 'bigint') return String(j);
  const s = JSON.stringify(j, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)) ?? String(j);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function isObject(j: JsonInput | undefined): j is { [key: string]: JsonInput } {
  return typeof j === 'object' && j !== null && !Array.isArray(j);
}

/** `o[key] = value` that makes "__proto__" an own key too, instead of setting the object's prototype. */
export function setKey(o: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  if (key === '__proto__')
    Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}
