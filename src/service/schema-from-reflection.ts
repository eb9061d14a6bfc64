/**
 * protobufjs reflection → the plain schemas of src/wire/proto/schema.ts.
 *
 * protobufjs is used here only as a .proto parser: we read its Type / Field /
 * MapField / OneOf / Enum objects and write out plain data that our own codec
 * and JSON mapping understand. Nothing here calls protobufjs encode/decode,
 * `fromObject` or `setup()` (those generate code at run time, which the no-codegen flag forbids).
 *
 * Recursive and mutually recursive messages (`message Node { Node next = 1; }`)
 * are tied without recursion: asking for a message creates its schema object
 * at once with an empty field list and queues it; a work loop then fills the
 * queued field lists, and a field that refers to a message gets that
 * message's (possibly still empty) schema object — filled later by the loop.
 */
import protobuf from 'protobufjs';
import type { EnumSchema, FieldSchema, MapValue, MessageSchema, ScalarType } from '../wire/proto/schema.js';
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
      schema = Object.freeze({ typeName: typeNameOf(type), values: Object.freeze(values) });
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
    // Extensions (declared with `extend`, or attached to this type by one) are
    // not part of the message's own schema: the codec keeps them as unknown fields.
    if (field.extend !== undefined || field.declaringField !== null) return undefined;
    field.resolve();

    const name = field.protoName ?? field.name;
    const where = `${typeNameOf(owner)}.${name}`;
    const realOneof = field.partOf !== null && !field.partOf.isProto3Optional ? field.partOf.name : undefined;
    const common = {
      no: field.id,
      name,
      localName: fieldLocalName(name),
      jsonName: field.jsonName ?? fieldLocalName(name),
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

    if (resolved instanceof protobuf.Type) {
      if (field.delimited) {
        // A valid schema (a proto2 group, or editions' DELIMITED) from a .proto or a
        // server alike, that we do not implement: UNIMPLEMENTED, "not supported".
        throw new GrpcError(Code.UNIMPLEMENTED, `${where}: groups / delimited message encoding are not supported`);
      }
      return { ...common, ...repeated, kind: 'message', message: this.#shell(resolved, created) };
    }
    const packed = field.repeated ? { packed: field.packed } : {};
    if (resolved instanceof protobuf.Enum) {
      return { ...common, ...optional, ...repeated, ...packed, kind: 'enum', enum: this.enum(resolved) };
    }
    const scalar = this.#scalar(field.type, where);
    const packedScalar = field.repeated && isPackable(scalar) ? packed : {};
    return { ...common, ...optional, ...repeated, ...packedScalar, kind: 'scalar', scalar };
  }

  #scalar(type: string, where: string): ScalarType {
    // Only reachable from descriptors: the parser resolves every type name in a .proto.
    if (!SCALARS.has(type)) throw new GrpcError(Code.INTERNAL, `${where}: unknown type '${type}'`);
    return type as ScalarType;
  }
}
