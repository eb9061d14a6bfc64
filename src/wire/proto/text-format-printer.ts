/**
 * Text format out: what `protoc --decode=pkg.Msg` prints for the same message.
 *
 *   name: "ada"                     fields in field-number order, by their .proto name
 *   emails: "a@b"                   repeated: one line per element
 *   manager {                       a message: its fields between braces, indented two spaces
 *     name: "grace"
 *   }
 *   scores {                        a map: one entry per key, sorted by key; key and value always printed
 *     key: "x"
 *     value: 1
 *   }
 *   color: BLUE                     enums by name (by number when the number has no name)
 *   MyGroup {                       a group (delimited message field): by its type's name
 *   }
 *   any {                           an Any whose type the registry knows: expanded
 *     [type.googleapis.com/pkg.Msg] {
 *     }
 *   }
 *   500: 1                          unknown fields last, by number (text-format-unknown.ts)
 *
 * proto3 fields holding their default are not printed, fields with presence
 * (optional, oneof members, messages) whenever set. Scalars: text-format-scalar.ts.
 * A value the schema cannot hold (a string in an int32 field, an int32 beyond
 * range) is a ProtoError of kind 'text' naming the field, never printed as something else.
 */
import { codecFor } from './codec.js';
import { ProtoError } from './error.js';
import type { FieldSchema, MapValue, MessageSchema, ScalarType } from './schema.js';
import { typeNameOfUrl, type TypeRegistry } from './json-registry.js';
import { formatDouble, formatFloat, INT_RANGE, quoteBytes } from './text-format-scalar.js';
import { printUnknownFields, unknownFieldsOf } from './text-format-unknown.js';
import { TextWriter } from './text-format-writer.js';
import { utf8Encode } from './utf8.js';
import { isImplicitDefault } from './codec-value.js';
import { compareCodePoints } from './map-key-order.js';

export interface ToTextOptions {
  /** Where an Any's type is found, to print it expanded (`[type.googleapis.com/pkg.Msg] { … }`); raw without. */
  registry?: TypeRegistry;
  /** Print unknown fields by number (default true, as protoc does). */
  printUnknownFields?: boolean;
  /** Everything on one line (`a: 1 b { c: 2 }`) instead of one field a line. */
  singleLine?: boolean;
}

type Value = Record<string, unknown>;

/** Nesting limit of printed messages: a value that refers to itself is an error, not a stack overflow. */
const MAX_DEPTH = 100;

/** A message value in text format. Throws ProtoError('text') for a value its schema cannot hold. */
export function toText(schema: MessageSchema, value: Value, options: ToTextOptions = {}): string {
  const w = new TextWriter(options.singleLine === true);
  printMessage(schema, value, w, options, 0);
  return w.toString();
}

function fail(what: string, problem: string): ProtoError {
  return new ProtoError('text', `cannot write ${what} in text format: ${problem}`);
}

const byNumber = new WeakMap<MessageSchema, readonly FieldSchema[]>();

function fieldsInOrder(schema: MessageSchema): readonly FieldSchema[] {
  let fields = byNumber.get(schema);
  if (fields === undefined) {
    fields = [...schema.fields].sort((a, b) => a.no - b.no);
    byNumber.set(schema, fields);
  }
  return fields;
}

/**
 * A group-like field (a delimited message field named after its type, as a
 * proto2 group is: `group Data` is field `data` of type `Data`): its type's
 * name, else undefined. The field name is compared without case, since
 * loaders spell a multi-word group's field `multiwordgroup` or `multiWordGroup`.
 */
export function groupName(f: FieldSchema): string | undefined {
  if (f.kind !== 'message' || (f as { delimited?: boolean }).delimited !== true) return undefined;
  const typeName = f.message.typeName.slice(f.message.typeName.lastIndexOf('.') + 1);
  return typeName.toLowerCase() === f.name.toLowerCase() ? typeName : undefined;
}

/** The name a field is written by: its .proto name; a group's, its type's name (`MyGroup`); an extension's, `[pkg.ext]`. */
export function textName(f: FieldSchema): string {
  if (f.extension !== undefined) return `[${f.extension}]`;
  return groupName(f) ?? f.name;
}

function printMessage(schema: MessageSchema, value: Value, w: TextWriter, options: ToTextOptions, depth: number): void {
  if (depth > MAX_DEPTH) throw fail(schema.typeName, `nested deeper than ${MAX_DEPTH} levels`);
  if (schema.typeName !== 'google.protobuf.Any' || !printAnyExpanded(value, w, options, depth)) {
    for (const f of fieldsInOrder(schema)) printField(schema, f, value, w, options, depth);
  }
  if (options.printUnknownFields !== false) printUnknownFields(unknownFieldsOf(value), w);
}

function printField(
  schema: MessageSchema,
  f: FieldSchema,
  value: Value,
  w: TextWriter,
  options: ToTextOptions,
  depth: number,
): void {
  const what = `${schema.typeName}.${f.name}`;
  const name = textName(f);
  // A field with presence that is not set has no own property (a proto2 default reads through the prototype).
  const v =
    f.optional === true && !Object.prototype.hasOwnProperty.call(value, f.localName) ? undefined : value[f.localName];
  if (v === undefined || v === null) return;
  if (f.kind === 'map') {
    if (typeof v !== 'object') throw fail(what, 'a map must be an object');
    const m = v as Value;
    for (const key of Object.keys(m).sort(mapKeyOrder(f.key))) {
      w.open(name);
      w.field('key', scalarText(f.key, f.key === 'bool' || f.key === 'string' ? mapKeyValue(f.key, key) : key, what));
      printValue('value', f.value, m[key] ?? (f.value.kind === 'message' ? {} : undefined), what, w, options, depth);
      w.close();
    }
  } else if (f.repeated === true) {
    if (!Array.isArray(v)) throw fail(what, 'a repeated field must be an array');
    for (const e of v as unknown[]) printValue(name, f, e, what, w, options, depth);
  } else {
    const implicit = f.kind !== 'message' && f.optional !== true && f.oneof === undefined;
    if (implicit && isImplicitDefault(f, v)) return;
    printValue(name, f, v, what, w, options, depth);
  }
}

function mapKeyValue(s: 'bool' | 'string', key: string): unknown {
  return s === 'bool' ? key === 'true' : key;
}

/** protobuf prints map entries sorted by key: numerically, false before true, strings by code point. */
function mapKeyOrder(s: ScalarType): (a: string, b: string) => number {
  if (s === 'string' || s === 'bool') return compareCodePoints;
  return (a, b) => {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

function printValue(
  name: string,
  kind: MapValue | FieldSchema,
  v: unknown,
  what: string,
  w: TextWriter,
  options: ToTextOptions,
  depth: number,
): void {
  switch (kind.kind) {
    case 'message':
      if (typeof v !== 'object' || v === null) throw fail(what, `${String(v)} is not a message (an object)`);
      w.open(name);
      printMessage(kind.message, v as Value, w, options, depth + 1);
      w.close();
      return;
    case 'enum': {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw fail(what, `${String(v)} is not an enum number`);
      const named = kind.enum.values.find((e) => e.no === v);
      w.field(name, named === undefined ? String(v) : named.name);
      return;
    }
    case 'scalar':
      w.field(name, scalarText(kind.scalar, v, what));
      return;
    case 'map':
      throw fail(what, 'a map cannot be a map value');
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function scalarText(s: ScalarType, v: unknown, what: string): string {
  switch (s) {
    case 'double':
    case 'float':
      if (typeof v !== 'number') throw fail(what, `${String(v)} is not a number (${s})`);
      return s === 'float' ? formatFloat(v) : formatDouble(v);
    case 'bool':
      if (typeof v !== 'boolean') throw fail(what, `${String(v)} is not a boolean`);
      return v ? 'true' : 'false';
    case 'string':
      if (typeof v !== 'string') throw fail(what, `${String(v)} is not a string`);
      if (LONE_SURROGATE.test(v)) throw fail(what, 'the string has an unpaired surrogate (no UTF-8 form)');
      return quoteBytes(utf8Encode(v));
    case 'bytes':
      if (!(v instanceof Uint8Array)) throw fail(what, 'bytes must be a Uint8Array');
      return quoteBytes(v);
    default: {
      let n: bigint | undefined;
      if (typeof v === 'bigint') n = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
      else if (typeof v === 'string' && /^-?\d+$/.test(v)) n = BigInt(v);
      if (n === undefined) throw fail(what, `${String(v)} is not an integer (${s})`);
      const [min, max] = INT_RANGE[s]!;
      if (n < min || n > max) throw fail(what, `${n} is out of range for ${s}`);
      return String(n);
    }
  }
}

/** An Any as `[type_url] { … }` when the registry knows its type and its bytes decode; false to print it raw. */
function printAnyExpanded(value: Value, w: TextWriter, options: ToTextOptions, depth: number): boolean {
  const url = value['typeUrl'];
  const bytes = value['value'] ?? new Uint8Array(0);
  if (options.registry === undefined || typeof url !== 'string' || !(bytes instanceof Uint8Array)) return false;
  const name = typeNameOfUrl(url);
  const target = name === undefined ? undefined : options.registry.findMessage(name);
  if (target === undefined) return false;
  let inner: Value;
  try {
    inner = codecFor(target).decode(bytes) as Value;
  } catch {
    return false; // not a valid message of that type: shown as it is, type_url and value
  }
  w.open(`[${url}]`);
  printMessage(target, inner, w, options, depth + 1);
  w.close();
  return true;
}
