/**
 * protobufjs reflection → the plain schemas of src/wire/proto/schema.ts.
 *
 * protobufjs is used here only as a .proto parser: we read its Type / Field /
 * MapField / OneOf / Enum objects and write out plain data that our own codec
 * and JSON mapping understand. Nothing here calls protobufjs encode/decode,
 * `fromObject` or `setup()` (those generate code at run time, which the no-codegen flag forbids).
 *
 * proto2 and editions come out as their resolved features (protobufjs resolves
 * them: `_features`, `hasPresence`, `delimited`, `packed`): presence
 * (EXPLICIT → `optional`, LEGACY_REQUIRED → `required`), closed enums,
 * delimited (group) encoding, packed or expanded repeated fields, and
 * `[default = …]` values in the JS representation of the field's type.
 *
 * Recursive and mutually recursive messages (`message Node { Node next = 1; }`)
 * are tied without recursion: asking for a message creates its schema object
 * at once with an empty field list and queues it; a work loop then fills the
 * queued field lists, and a field that refers to a message gets that
 * message's (possibly still empty) schema object — filled later by the loop.
 */
import { existsSync, readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import type {
  DefaultValue,
  EnumSchema,
  FieldSchema,
  MapValue,
  MessageSchema,
  ScalarType,
} from '../wire/proto/schema.js';
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import { fieldLocalName } from './names.js';

const SCALARS: ReadonlySet<string> = new Set<ScalarType>([
  'double',
  'float',
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
  'bool',
  'string',
  'bytes',
]);

/** Map keys: any integral or string type (language-guide "Maps"); not float, double, bytes. */
const MAP_KEYS: ReadonlySet<string> = new Set<ScalarType>([
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
  'bool',
  'string',
]);

/** Scalars that may be packed: everything numeric (and bool), not string/bytes. */
function isPackable(scalar: string): boolean {
  return scalar !== 'string' && scalar !== 'bytes';
}

/** `.pkg.Outer.Inner` → `pkg.Outer.Inner`. */
export function typeNameOf(object: protobuf.ReflectionObject): string {
  return object.fullName.startsWith('.') ? object.fullName.slice(1) : object.fullName;
}

/** Converts protobufjs reflection objects, caching one schema object per type. */
export class SchemaBuilder {
  readonly #messages = new Map<protobuf.Type, MessageSchema>();
  readonly #enums = new Map<protobuf.Enum, EnumSchema>();
  /** Schemas created but whose fields are not filled in yet. */
  #pending: { type: protobuf.Type; fields: FieldSchema[] }[] = [];

  enum(type: protobuf.Enum): EnumSchema {
    let schema = this.#enums.get(type);
    if (schema === undefined) {
      // `values` is an object whose key order is declaration order (aliases included).
      const values = Object.entries(type.values).map(([name, no]) => Object.freeze({ name, no }));
      const closed = featuresOf(type)['enum_type'] === 'CLOSED' ? { closed: true } : {};
      schema = Object.freeze({ typeName: typeNameOf(type), values: Object.freeze(values), ...closed });
      this.#enums.set(type, schema);
    }
    return schema;
  }

  message(type: protobuf.Type): MessageSchema {
    const known = this.#messages.get(type);
    if (known !== undefined) return known;
    const created: protobuf.Type[] = [];
    const schema = this.#shell(type, created);
    try {
      // Fill queued schemas; filling may queue more (the types its fields use).
      for (let next = this.#pending.pop(); next !== undefined; next = this.#pending.pop()) {
        for (const field of next.type.fieldsArray) {
          const converted = this.#field(next.type, field, created);
          if (converted !== undefined) next.fields.push(converted);
        }
      }
    } catch (err) {
      // Leave no half-built schema behind for a later call to pick up.
      for (const t of created) this.#messages.delete(t);
      this.#pending = [];
      throw err;
    }
    return schema;
  }

  #shell(type: protobuf.Type, created: protobuf.Type[]): MessageSchema {
    const known = this.#messages.get(type);
    if (known !== undefined) return known;
    const fields: FieldSchema[] = [];
    const reservedNames = (type.reserved ?? []).filter((r): r is string => typeof r === 'string');
    const schema: MessageSchema = {
      typeName: typeNameOf(type),
      fields,
      ...(reservedNames.length > 0 ? { reservedNames } : {}),
    };
    this.#messages.set(type, schema);
    this.#pending.push({ type, fields });
    created.push(type);
    return schema;
  }

  #field(owner: protobuf.Type, field: protobuf.Field, created: protobuf.Type[]): FieldSchema | undefined {
    // An `extend` declaration itself belongs to the scope it is written in, not to a message.
    if (field.extend !== undefined) return undefined;
    // An extension of this type, from a file that is loaded: a field of its own,
    // keyed by its full name (values: `{ 'pkg.ext': 5 }`; JSON: `"[pkg.ext]"`).
    // Extensions not loaded stay unknown fields (kept and written back by the codec).
    // MessageSet extensions are written in another wire format: left unknown too.
    const extension = field.declaringField !== null ? extensionName(field.declaringField) : undefined;
    if (extension !== undefined && owner.options?.['message_set_wire_format'] === true) return undefined;
    field.resolve();

    const name = extension ?? field.protoName ?? field.name;
    const where = `${typeNameOf(owner)}.${name}`;
    const realOneof = field.partOf !== null && !field.partOf.isProto3Optional ? field.partOf.name : undefined;
    const common = {
      no: field.id,
      name,
      localName: extension ?? fieldLocalName(name),
      jsonName: extension !== undefined ? `[${extension}]` : (field.jsonName ?? fieldLocalName(name)),
      ...(extension !== undefined ? { extension } : {}),
      ...(realOneof !== undefined ? { oneof: realOneof } : {}),
    };
    const resolved = field.resolvedType;

    if (field instanceof protobuf.MapField) {
      // protobufjs's parser refuses bad key types, so only descriptors (a server's reflection) get here.
      if (!MAP_KEYS.has(field.keyType))
        throw new GrpcError(Code.INTERNAL, `${where}: invalid map key type '${field.keyType}'`);
      let value: MapValue;
      if (resolved instanceof protobuf.Type) value = { kind: 'message', message: this.#shell(resolved, created) };
      else if (resolved instanceof protobuf.Enum) value = { kind: 'enum', enum: this.enum(resolved) };
      else value = { kind: 'scalar', scalar: this.#scalar(field.type, where) };
      return { ...common, kind: 'map', key: field.keyType as ScalarType, value };
    }

    const repeated = field.repeated ? { repeated: true } : {};
    // Explicit presence on a singular scalar/enum: proto3 `optional`, proto2
    // `optional`/`required`, editions' field_presence = EXPLICIT. (Message
    // fields always have presence; oneof members have it through the oneof.)
    const optional = !field.repeated && realOneof === undefined && field.hasPresence ? { optional: true } : {};
    const required = field.required ? { required: true } : {};

    if (resolved instanceof protobuf.Type) {
      // A proto2 group, or editions' message_encoding = DELIMITED.
      const delimited = field.delimited ? { delimited: true } : {};
      return {
        ...common,
        ...repeated,
        ...required,
        ...delimited,
        kind: 'message',
        message: this.#shell(resolved, created),
      };
    }
    const packed = field.repeated ? { packed: field.packed } : {};
    const given = !field.repeated && field.options?.['default'] !== undefined ? defaultOf(field, where) : undefined;
    const dflt = given !== undefined ? { default: given } : {};
    if (resolved instanceof protobuf.Enum) {
      return {
        ...common,
        ...optional,
        ...required,
        ...repeated,
        ...packed,
        ...(dflt as { default?: number }),
        kind: 'enum',
        enum: this.enum(resolved),
      };
    }
    const scalar = this.#scalar(field.type, where);
    const packedScalar = field.repeated && isPackable(scalar) ? packed : {};
    return { ...common, ...optional, ...required, ...repeated, ...packedScalar, ...dflt, kind: 'scalar', scalar };
  }

  #scalar(type: string, where: string): ScalarType {
    // Only reachable from descriptors: the parser resolves every type name in a .proto.
    if (!SCALARS.has(type)) throw new GrpcError(Code.INTERNAL, `${where}: unknown type '${type}'`);
    return type as ScalarType;
  }
}

/** The resolved editions features of a field or enum (protobufjs keeps them, unexported, in `_features`). */
function featuresOf(object: protobuf.ReflectionObject): Record<string, string | undefined> {
  return (object as unknown as { _features?: Record<string, string | undefined> })._features ?? {};
}

/**
 * A field's `[default = …]` in its JS representation: numbers, bigint for
 * 64-bit types, strings, booleans, a copy of the bytes, an enum value's
 * number. protobufjs parses 64-bit defaults as doubles, so beyond 2^53 the
 * parsed value is already rounded: refused with the field's name rather than
 * used silently changed.
 */
function defaultOf(field: protobuf.Field, where: string): DefaultValue {
  const value: unknown = field.typeDefault;
  if (field.type === 'bytes') return bytesDefault(field.options?.['default']);
  if (typeof value === 'object' && value !== null && 'low' in value && 'high' in value) {
    const raw: unknown = field.options?.['default'];
    if (typeof raw === 'number' && !Number.isSafeInteger(raw)) {
      const exact = defaultInSource(field);
      if (exact === undefined)
        throw new GrpcError(
          Code.UNIMPLEMENTED,
          `${where}: the 64-bit [default = ${raw}] is beyond 2^53 and was rounded by the .proto parser`,
        );
      return exact;
    }
    return BigInt((value as { toString(): string }).toString());
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') {
    if (['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64'].includes(field.type)) return BigInt(value as number);
    return value;
  }
  throw new GrpcError(Code.INTERNAL, `${where}: unexpected default ${String(value)}`);
}

/**
 * The exact 64-bit `[default = …]` of `field`, read again from its .proto file
 * (protobufjs keeps only the rounded double): the integer after `default =` in
 * the options of the field's declaration `name = number [...]`. Undefined when
 * the file or the declaration cannot be found (a schema from descriptors).
 */
function defaultInSource(field: protobuf.Field): bigint | undefined {
  const file = field.filename;
  if (file === null || file === undefined || !existsSync(file)) return undefined;
  const name = (field.protoName ?? field.name).replace(/[^A-Za-z0-9_]/g, '');
  const declaration = new RegExp(`\\b${name}\\s*=\\s*${field.id}\\s*\\[[^\\]]*?\\bdefault\\s*=\\s*(-?[0-9]+)\\b`);
  const match = declaration.exec(readFileSync(file, 'utf8'));
  return match === null ? undefined : BigInt(match[1]!);
}

/**
 * A bytes field's default from the option's text. Not protobufjs's own
 * reading, which decodes any text that looks like base64 (`"abcd"` would
 * become three other bytes): characters up to U+00FF are one byte each (the
 * parser's escapes, `\\303\\251`, arrive that way), and text with any
 * character above that is UTF-8.
 */
function bytesDefault(raw: unknown): Uint8Array {
  const text = typeof raw === 'string' ? raw : String(raw);
  if (/[^\u0000-\u00ff]/.test(text)) return new TextEncoder().encode(text);
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/**
 * An extension's full name, `pkg.ext`. A proto2 `group` declared in an `extend` block is named as protoc names a
 * group's field, its type's name in lower case (`group GroupField` → `pkg.groupfield`); protobufjs gives it its type's
 * name with a lower-case first letter (`groupField`), which text format and JSON (`[pkg.groupfield]`) do not accept.
 */
function extensionName(declaring: protobuf.Field): string {
  const full = typeNameOf(declaring);
  const type = declaring.resolve().resolvedType;
  // Only `group` syntax makes such a name; an editions DELIMITED field keeps the name it was written with.
  const edition = (declaring as unknown as { _edition?: string })._edition;
  const groupLike =
    edition === 'proto2' &&
    declaring.delimited &&
    type instanceof protobuf.Type &&
    type.name.length > 0 &&
    declaring.name === type.name[0]!.toLowerCase() + type.name.slice(1) &&
    type.parent === declaring.parent;
  if (!groupLike) return full;
  return full.slice(0, full.length - declaring.name.length) + type.name.toLowerCase();
}
