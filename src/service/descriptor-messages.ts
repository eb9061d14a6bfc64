/**
 * The descriptor messages of one file's declarations, from protobufjs
 * reflection objects, as plain data in our codec's conventions (lowerCamelCase
 * keys, undefined for unset): DescriptorProto (fields, nested types, map entry
 * messages, oneofs, extensions, reserved ranges), EnumDescriptorProto and
 * ServiceDescriptorProto — what protoc writes for the same .proto (see
 * descriptor.ts for the files around them).
 */
import protobuf from 'protobufjs';

export type Value = Record<string, unknown>;

// FieldDescriptorProto.Type and .Label, as numbered in descriptor.proto.
const TYPE: Readonly<Record<string, number>> = {
  double: 1,
  float: 2,
  int64: 3,
  uint64: 4,
  int32: 5,
  fixed64: 6,
  fixed32: 7,
  bool: 8,
  string: 9,
  group: 10,
  message: 11,
  bytes: 12,
  uint32: 13,
  enum: 14,
  sfixed32: 15,
  sfixed64: 16,
  sint32: 17,
  sint64: 18,
};
const LABEL = { optional: 1, required: 2, repeated: 3 } as const;
const IDEMPOTENCY: Readonly<Record<string, number>> = { NO_SIDE_EFFECTS: 1, IDEMPOTENT: 2 };
/** Field numbers run up to 2^29 - 1; `max` in a range means that. */
const MAX_FIELD_NUMBER = 0x1fffffff;

/** `.pkg.Outer.Inner`: protobufjs full names already have the leading dot. */
function typeRef(object: protobuf.ReflectionObject): string {
  return object.fullName;
}

/** protoc's map entry name: `user_tags` → `UserTagsEntry`. */
export function mapEntryName(fieldName: string): string {
  let out = '';
  let upper = true;
  for (const ch of fieldName) {
    if (ch === '_') upper = true;
    else {
      out += upper ? ch.toUpperCase() : ch;
      upper = false;
    }
  }
  return out + 'Entry';
}

export function describeMessage(type: protobuf.Type): Value {
  // Real oneofs first, then proto3 `optional`'s synthetic ones, as protoc orders them.
  const oneofs = [
    ...type.oneofsArray.filter((o) => !o.isProto3Optional),
    ...type.oneofsArray.filter((o) => o.isProto3Optional),
  ];
  const oneofIndex = new Map<protobuf.OneOf, number>(oneofs.map((o, i) => [o, i]));
  const field: Value[] = [];
  const nestedType: Value[] = [];
  const enumType: Value[] = [];
  const extension: Value[] = [];
  for (const child of type.nestedArray) {
    if (child instanceof protobuf.Type) nestedType.push(describeMessage(child));
    else if (child instanceof protobuf.Enum) enumType.push(describeEnum(child));
    else if (child instanceof protobuf.Field && child.extend !== undefined)
      extension.push(describeField(child, new Map()));
  }
  for (const f of type.fieldsArray) {
    if (f.declaringField !== null && f.declaringField !== undefined) continue; // an extension's copy, declared elsewhere
    field.push(describeField(f, oneofIndex));
    // protoc adds map entries where the map field is; protobufjs keeps no source order
    // between fields and nested types, so they go after the declared ones (the usual layout).
    if (f instanceof protobuf.MapField) nestedType.push(mapEntry(f));
  }
  const ranges = (type.reserved ?? []).filter((r): r is number[] => Array.isArray(r));
  return {
    name: type.name,
    field,
    nestedType,
    enumType,
    extension,
    extensionRange: (type.extensions ?? []).map(([start, end]) => ({
      start,
      end: Math.min(end!, MAX_FIELD_NUMBER) + 1,
    })),
    oneofDecl: oneofs.map((o) => ({ name: o.name })),
    options: options({ deprecated: type.options?.deprecated === true ? true : undefined }),
    // Message reserved ranges are end-exclusive in descriptors; protobufjs keeps them inclusive.
    reservedRange: ranges.map(([start, end]) => ({ start, end: Math.min(end!, MAX_FIELD_NUMBER) + 1 })),
    reservedName: (type.reserved ?? []).filter((r): r is string => typeof r === 'string'),
  };
}

export function describeField(f: protobuf.Field, oneofIndex: ReadonlyMap<protobuf.OneOf, number>): Value {
  f.resolve();
  const name = f.protoName ?? f.name;
  const resolved = f.resolvedType;
  const proto3Optional = f.options?.proto3_optional === true;
  let type: number;
  let typeName: string | undefined;
  if (f instanceof protobuf.MapField) {
    type = TYPE.message!;
    typeName = `${typeRef(f.parent!)}.${mapEntryName(name)}`;
  } else if (resolved instanceof protobuf.Type) {
    type = (resolved as { group?: boolean }).group === true || f.delimited ? TYPE.group! : TYPE.message!;
    typeName = typeRef(resolved);
  } else if (resolved instanceof protobuf.Enum) {
    type = TYPE.enum!;
    typeName = typeRef(resolved);
  } else {
    type = TYPE[f.type]!;
  }
  const label =
    f instanceof protobuf.MapField || f.repeated
      ? LABEL.repeated
      : f.rule === 'required'
        ? LABEL.required
        : LABEL.optional;
  const extendee = f.extend !== undefined ? f.extensionField?.parent : undefined;
  const packed: unknown = f.options?.packed;
  const deprecated: unknown = f.options?.deprecated;
  return {
    name,
    number: f.id,
    label,
    type,
    typeName,
    extendee: extendee ? typeRef(extendee) : undefined,
    defaultValue: defaultValue(f.options?.default),
    oneofIndex: f.partOf !== null ? oneofIndex.get(f.partOf) : undefined,
    jsonName: f.jsonName ?? name,
    options: options({
      packed: typeof packed === 'boolean' ? packed : undefined,
      deprecated: deprecated === true ? true : undefined,
    }),
    proto3Optional: proto3Optional ? true : undefined,
  };
}

/** The synthetic `FooEntry { key = 1; value = 2; }` message protoc makes for `map<K, V> foo`. */
function mapEntry(f: protobuf.MapField): Value {
  const resolved = f.resolvedType;
  const value: Value = { name: 'value', number: 2, label: LABEL.optional, jsonName: 'value' };
  if (resolved instanceof protobuf.Type) Object.assign(value, { type: TYPE.message, typeName: typeRef(resolved) });
  else if (resolved instanceof protobuf.Enum) Object.assign(value, { type: TYPE.enum, typeName: typeRef(resolved) });
  else value.type = TYPE[f.type];
  return {
    name: mapEntryName(f.protoName ?? f.name),
    field: [{ name: 'key', number: 1, label: LABEL.optional, type: TYPE[f.keyType], jsonName: 'key' }, value],
    options: { mapEntry: true },
  };
}

/** A proto2 `[default = ...]` in descriptor text form. */
function defaultValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (value === Infinity) return 'inf';
    if (value === -Infinity) return '-inf';
  }
  return String(value);
}

export function describeEnum(e: protobuf.Enum): Value {
  const valueOptions = (e.valuesOptions ?? {}) as Record<string, Record<string, unknown> | undefined>;
  return {
    name: e.name,
    value: Object.entries(e.values).map(([name, number]) => ({
      name,
      number,
      options: options({ deprecated: valueOptions[name]?.deprecated === true ? true : undefined }),
    })),
    options: options({
      allowAlias: e.options?.allow_alias === true ? true : undefined,
      deprecated: e.options?.deprecated === true ? true : undefined,
    }),
    // Enum reserved ranges are end-inclusive, as protobufjs keeps them.
    reservedRange: (e.reserved ?? [])
      .filter((r): r is number[] => Array.isArray(r))
      .map(([start, end]) => ({ start, end })),
    reservedName: (e.reserved ?? []).filter((r): r is string => typeof r === 'string'),
  };
}

export function describeService(s: protobuf.Service): Value {
  return {
    name: s.name,
    method: s.methodsArray.map((m) => {
      m.resolve();
      return {
        name: m.name,
        inputType: typeRef(m.resolvedRequestType!),
        outputType: typeRef(m.resolvedResponseType!),
        options: options({
          deprecated: m.options?.deprecated === true ? true : undefined,
          idempotencyLevel: IDEMPOTENCY[String(m.options?.idempotency_level)],
        }),
        // protoc leaves both unset (not false) on unary methods.
        clientStreaming: m.requestStream === true ? true : undefined,
        serverStreaming: m.responseStream === true ? true : undefined,
      };
    }),
    options: options({ deprecated: s.options?.deprecated === true ? true : undefined }),
  };
}

/** An options message, or undefined when no option is set (protoc omits empty options). */
function options(values: Value): Value | undefined {
  for (const key of Object.keys(values)) if (values[key] === undefined) delete values[key];
  return Object.keys(values).length === 0 ? undefined : values;
}
