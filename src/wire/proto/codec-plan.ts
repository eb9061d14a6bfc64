/**
 * The codec's plan of a message type: the schema, digested once into flat
 * records that the encoder and decoder loop over (codec-encode.ts,
 * codec-decode.ts). No code is generated at run time; the plan is data, and
 * the loops switch on small integers:
 *
 *   FieldSchema ──planFor──▶ FieldPlan { no, key, type: FieldType, mode: Mode,
 *                                        tag, encOp: EncOp, decOp: DecOp, … }
 *
 * `type` and `mode` are the format (what the field is and how protobuf stores
 * it); `encOp` and `decOp` are the speed: each picks the one case of the
 * encoder's or decoder's switch that handles this field, with the commonest
 * kinds (a proto3 string, an int32, a submessage) given a case of their own.
 */
import type { FieldSchema, MessageSchema, ScalarType } from './schema.js';

/** Field types, numbered as in descriptor.proto's FieldDescriptorProto.Type. */
export const FieldType = {
  DOUBLE: 1,
  FLOAT: 2,
  INT64: 3,
  UINT64: 4,
  INT32: 5,
  FIXED64: 6,
  FIXED32: 7,
  BOOL: 8,
  STRING: 9,
  /** A message in delimited encoding: a proto2 group, or editions' `message_encoding = DELIMITED`. */
  GROUP: 10,
  MESSAGE: 11,
  BYTES: 12,
  UINT32: 13,
  ENUM: 14,
  SFIXED32: 15,
  SFIXED64: 16,
  SINT32: 17,
  SINT64: 18,
} as const;

const SCALAR_TYPE: Record<ScalarType, number> = {
  double: FieldType.DOUBLE,
  float: FieldType.FLOAT,
  int64: FieldType.INT64,
  uint64: FieldType.UINT64,
  int32: FieldType.INT32,
  fixed64: FieldType.FIXED64,
  fixed32: FieldType.FIXED32,
  bool: FieldType.BOOL,
  string: FieldType.STRING,
  bytes: FieldType.BYTES,
  uint32: FieldType.UINT32,
  sfixed32: FieldType.SFIXED32,
  sfixed64: FieldType.SFIXED64,
  sint32: FieldType.SINT32,
  sint64: FieldType.SINT64,
};

/** The wire type of one value of each field type. */
export function wireTypeOf(type: number): number {
  switch (type) {
    case FieldType.DOUBLE:
    case FieldType.FIXED64:
    case FieldType.SFIXED64:
      return 1;
    case FieldType.FLOAT:
    case FieldType.FIXED32:
    case FieldType.SFIXED32:
      return 5;
    case FieldType.STRING:
    case FieldType.BYTES:
    case FieldType.MESSAGE:
      return 2;
    case FieldType.GROUP:
      return 3;
    default:
      return 0;
  }
}

/** How a field is stored and written. */
export const Mode = {
  /** proto3 singular without presence: written unless it holds the default. */
  IMPLICIT: 0,
  /** `optional`, oneof members and message fields: written whenever set. */
  EXPLICIT: 1,
  /** repeated, one tag per element. */
  REPEATED: 2,
  /** repeated numbers written packed: one tag, a length, the values. */
  PACKED: 3,
  MAP: 4,
} as const;

/**
 * What the encoder does with a field (codec-encode.ts, writeField): one
 * small integer per field, from its mode and type, so that the encoder too
 * switches once per field. The commonest implicit-presence scalars have
 * their own operations (default check and write in one place).
 */
export const EncOp = {
  /** Implicit presence, by type: */
  STRING: 0,
  INT32: 1,
  BOOL: 2,
  DOUBLE: 3,
  INT64: 4,
  /** Any other implicit-presence scalar. */
  IMPLICIT: 5,
  /** `optional` scalars: written whenever set. */
  EXPLICIT: 6,
  /** A singular message field. */
  MESSAGE: 7,
  /** Repeated numbers written packed: one tag, a length, the values. */
  PACKED: 8,
  /** Repeated numbers with `packed = false`, and repeated bytes. */
  REPEATED: 9,
  REPEATED_STRING: 10,
  REPEATED_MESSAGE: 11,
  MAP: 12,
  /** A singular group / delimited message: start-group tag, the fields, end-group tag. */
  GROUP: 13,
  REPEATED_GROUP: 14,
  /** A member of a oneof: refused when another member is set too, else written whenever set. */
  ONEOF: 15,
} as const;

/** The encoder's operation for a field of `mode` and `type`. */
function encOpOf(mode: number, type: number, oneof: boolean): number {
  if (oneof) return EncOp.ONEOF;
  switch (mode) {
    case Mode.IMPLICIT:
      switch (type) {
        case FieldType.STRING:
          return EncOp.STRING;
        case FieldType.INT32:
        case FieldType.ENUM:
          return EncOp.INT32;
        case FieldType.BOOL:
          return EncOp.BOOL;
        case FieldType.DOUBLE:
          return EncOp.DOUBLE;
        case FieldType.INT64:
        case FieldType.UINT64:
          return EncOp.INT64;
        default:
          return EncOp.IMPLICIT;
      }
    case Mode.EXPLICIT:
      return type === FieldType.MESSAGE ? EncOp.MESSAGE : type === FieldType.GROUP ? EncOp.GROUP : EncOp.EXPLICIT;
    case Mode.PACKED:
      return EncOp.PACKED;
    case Mode.REPEATED:
      return type === FieldType.MESSAGE
        ? EncOp.REPEATED_MESSAGE
        : type === FieldType.GROUP
          ? EncOp.REPEATED_GROUP
          : type === FieldType.STRING
            ? EncOp.REPEATED_STRING
            : EncOp.REPEATED;
    default:
      return EncOp.MAP;
  }
}

/**
 * What the decoder does with a field whose tag matched (codec-decode.ts,
 * decodeInto): one small integer per field, so that the decoder's loop is a
 * single switch. A singular scalar or enum (implicit or `optional`) is
 * decoded by its type number (1–18, `FieldType`); the rest have their own
 * operation, numbered above the types.
 */
export const DecOp = {
  /** A singular message field: merged into the value already there, if any. */
  MESSAGE: 20,
  // Lists and maps: REPEATED..MAP (the decoder tests the range).
  /** One element of a repeated number or enum, unpacked (packed runs come with the other wire type). */
  REPEATED: 21,
  REPEATED_MESSAGE: 22,
  /** One element of a repeated string (after messages the commonest list: its own short path). */
  REPEATED_STRING: 23,
  /** One element of a repeated bytes field. */
  REPEATED_BYTES: 24,
  /** One element of a repeated group (delimited message). */
  REPEATED_GROUP: 25,
  /** One map entry (a submessage {1: key, 2: value}). */
  MAP: 26,
  /** A member of a oneof: clears the other members, then is read like a singular field. */
  ONEOF: 27,
  /** A singular group (delimited message): merged like a message field. */
  GROUP: 28,
  /**
   * A closed enum, singular or repeated (packed or not): a number the enum
   * does not define goes to the unknown fields, not into the field.
   */
  CLOSED_ENUM: 29,
} as const;

/** The decoder's operation for a field (see DecOp). */
function decOpOf(f: FieldSchema, mode: number, type: number, closed: boolean): number {
  if (f.oneof !== undefined) return DecOp.ONEOF;
  if (mode === Mode.MAP) return DecOp.MAP;
  if (closed) return DecOp.CLOSED_ENUM;
  if (mode === Mode.REPEATED || mode === Mode.PACKED) {
    switch (type) {
      case FieldType.MESSAGE:
        return DecOp.REPEATED_MESSAGE;
      case FieldType.GROUP:
        return DecOp.REPEATED_GROUP;
      case FieldType.STRING:
        return DecOp.REPEATED_STRING;
      case FieldType.BYTES:
        return DecOp.REPEATED_BYTES;
      default:
        return DecOp.REPEATED;
    }
  }
  return type === FieldType.MESSAGE ? DecOp.MESSAGE : type === FieldType.GROUP ? DecOp.GROUP : type;
}

export interface FieldPlan {
  readonly no: number;
  /** The property name in values. */
  readonly key: string;
  /** `pkg.Message.field`, for error messages. */
  readonly fullName: string;
  /** The field's type (FieldType; a map field: MESSAGE, its entries). */
  readonly type: number;
  /** How it is stored and written (Mode). */
  readonly mode: number;
  /** The encoder's operation (see EncOp). */
  readonly encOp: number;
  /** The decoder's operation (see DecOp). */
  readonly decOp: number;
  readonly isMap: boolean;
  /** Tag of one element: `no << 3 | wireType`. */
  readonly tag: number;
  /** Tag with wire type 2 (packed form, map entries). */
  readonly lenTag: number;
  /** Groups: the end-group tag (`no << 3 | 4`); else 0. */
  readonly endTag: number;
  /** Repeated scalars of a varint/fixed type: accepted packed and unpacked. */
  readonly packable: boolean;
  /** The message type of a message field (or of a map's values). */
  msg: MessagePlan | undefined;
  /**
   * For singular message fields, repeated and map fields: a bit (1 << i, or 0
   * past 31 such fields) that the decoder sets when it has seen the field in
   * this message, so that it reads the existing value (to merge into, or to
   * append to) only when there can be one.
   */
  readonly seenBit: number;
  /** Other members of the same oneof, cleared when this one is decoded. */
  readonly siblings: readonly string[] | undefined;
  /** Map fields: key and value types, and their tags inside an entry. */
  readonly keyType: number;
  readonly valueType: number;
  readonly keyTag: number;
  readonly valueTag: number;
  /** The numbers a closed enum defines (the field's, or a map's values'); undefined when open or not an enum. */
  readonly closed: ReadonlySet<number> | undefined;
  /** Enum fields (and maps of enums): value names → numbers, so that a value may be given by name. */
  readonly enumNumbers: ReadonlyMap<string, number> | undefined;
  /** The field has a `[default = …]`, kept on the value's prototype: the encoder reads only own properties. */
  readonly hasDefault: boolean;
  /** proto2 `required`. */
  readonly required: boolean;
}

export interface MessagePlan {
  readonly schema: MessageSchema;
  /** Sorted by field number: the order protobuf writes them in. */
  readonly fields: FieldPlan[];
  /** Field lookup by number (dense array for small numbers, else the map). */
  readonly byNo: (FieldPlan | undefined)[];
  readonly byNoSparse: Map<number, FieldPlan> | undefined;
  /**
   * The template of a new value (codec-value.ts): proto3 defaults of
   * implicit-presence fields; `undefined` for message, `optional` and oneof
   * fields (unset); null for repeated/map slots, which get fresh containers.
   */
  template: Record<string, unknown>;
  readonly containers: readonly FieldPlan[];
  /** The seen bits of all containers (see FieldPlan.seenBit), or -1 if some have none. */
  containerBits: number;
  /** The function that copies the template, given on first use (codec-value.ts). */
  copy: ((template: object) => Record<string, unknown>) | undefined;
  /**
   * The prototype of this type's values when some fields have a `[default = …]`:
   * those defaults as non-enumerable properties, so that an unset field reads
   * as its default while the value's own properties say what is set. Else undefined.
   */
  readonly defaults: object | undefined;
  /** The `required` fields (proto2), checked on encode and after decode. */
  readonly required: readonly FieldPlan[];
  /** The encoder must look at the whole message: it has oneofs, defaults or required fields (codec-encode.ts). */
  checked: boolean;
}

const EMPTY_BYTES = new Uint8Array(0);

/** The default value of a field type: what a proto3 field without presence holds when unset. */
export function defaultOf(type: number): unknown {
  switch (type) {
    case FieldType.INT64:
    case FieldType.UINT64:
    case FieldType.FIXED64:
    case FieldType.SFIXED64:
    case FieldType.SINT64:
      return 0n;
    case FieldType.BOOL:
      return false;
    case FieldType.STRING:
      return '';
    case FieldType.BYTES:
      return EMPTY_BYTES;
    default:
      return 0;
  }
}

function typeOf(f: FieldSchema): number {
  switch (f.kind) {
    case 'scalar':
      return SCALAR_TYPE[f.scalar];
    case 'enum':
      return FieldType.ENUM;
    case 'message':
      return f.delimited === true ? FieldType.GROUP : FieldType.MESSAGE;
    case 'map':
      return FieldType.MESSAGE;
  }
}

const plans = new WeakMap<MessageSchema, MessagePlan>();

/** The plan of `schema`, built once. Recursive types work: the plan is cached before its fields are. */
export function planFor(schema: MessageSchema): MessagePlan {
  const cached = plans.get(schema);
  if (cached !== undefined) return cached;
  const fields: FieldPlan[] = [];
  const keys: string[] = [];
  const defaults: unknown[] = [];
  const containers: FieldPlan[] = [];
  const required: FieldPlan[] = [];
  const withDefault = schema.fields.some((f) => 'default' in f && f.default !== undefined);
  const proto = withDefault ? (Object.create(Object.prototype) as object) : undefined;
  let maxNo = 0;
  for (const f of schema.fields) maxNo = Math.max(maxNo, f.no);
  const dense = maxNo <= 2048;
  const plan: MessagePlan = {
    schema,
    fields,
    byNo: dense ? new Array<FieldPlan | undefined>(maxNo + 1).fill(undefined) : [],
    byNoSparse: dense ? undefined : new Map(),
    template: {},
    containers,
    containerBits: 0,
    copy: undefined,
    defaults: proto,
    required,
    checked: false,
  };
  plans.set(schema, plan);

  const sorted = [...schema.fields].sort((a, b) => a.no - b.no);
  let seenBits = 0;
  for (const f of sorted) {
    const type = typeOf(f);
    const wt = wireTypeOf(type);
    const repeated = f.kind === 'map' || ('repeated' in f && f.repeated === true);
    const packable = repeated && f.kind !== 'map' && wt !== 2 && wt !== 3;
    let mode: number;
    if (f.kind === 'map') mode = Mode.MAP;
    else if (repeated) mode = packable && (f as { packed?: boolean }).packed !== false ? Mode.PACKED : Mode.REPEATED;
    else if (f.kind === 'message' || f.optional === true || f.required === true || f.oneof !== undefined)
      mode = Mode.EXPLICIT;
    else mode = Mode.IMPLICIT;
    const siblings =
      f.oneof === undefined
        ? undefined
        : schema.fields.filter((g) => g.oneof === f.oneof && g !== f).map((g) => g.localName);
    const keyType = f.kind === 'map' ? SCALAR_TYPE[f.key] : 0;
    const valueType =
      f.kind === 'map'
        ? f.value.kind === 'scalar'
          ? SCALAR_TYPE[f.value.scalar]
          : f.value.kind === 'enum'
            ? FieldType.ENUM
            : FieldType.MESSAGE
        : 0;
    const enumSchema =
      f.kind === 'enum' ? f.enum : f.kind === 'map' && f.value.kind === 'enum' ? f.value.enum : undefined;
    const closed = enumSchema?.closed === true;
    const hasDefault = 'default' in f && f.default !== undefined;
    const fp: FieldPlan = {
      no: f.no,
      key: f.localName,
      fullName: `${schema.typeName}.${f.name}`,
      type,
      mode,
      encOp: encOpOf(mode, type, f.oneof !== undefined),
      decOp: decOpOf(f, mode, type, closed && f.kind === 'enum'),
      isMap: mode === Mode.MAP,
      tag: ((f.no << 3) | wt) >>> 0,
      lenTag: ((f.no << 3) | 2) >>> 0,
      endTag: type === FieldType.GROUP ? ((f.no << 3) | 4) >>> 0 : 0,
      packable,
      msg: undefined,
      seenBit:
        ((mode === Mode.EXPLICIT &&
          (type === FieldType.MESSAGE || type === FieldType.GROUP) &&
          f.oneof === undefined) ||
          repeated) &&
        seenBits < 31
          ? 1 << seenBits++
          : 0,
      siblings,
      keyType,
      valueType,
      keyTag: (1 << 3) | wireTypeOf(keyType),
      valueTag: (2 << 3) | wireTypeOf(valueType),
      closed: closed ? new Set(enumSchema!.values.map((v) => v.no)) : undefined,
      enumNumbers: enumSchema === undefined ? undefined : new Map(enumSchema.values.map((v) => [v.name, v.no])),
      hasDefault,
      required: f.required === true,
    };
    if (fp.required) required.push(fp);
    fields.push(fp);
    if (dense) plan.byNo[f.no] = fp;
    else plan.byNoSparse!.set(f.no, fp);
    // Unset fields hold `undefined` from the start rather than being added when
    // set: adding a property changes an object's layout, and doing that through
    // a computed name is what made generic decoding slow (~18% on a nested message).
    if (hasDefault) {
      // Not an own property of new values: the prototype's default shows through until the field is set.
      Object.defineProperty(proto, f.localName, {
        value: (f as { default: unknown }).default,
        writable: true,
        enumerable: false,
        configurable: true,
      });
      continue;
    }
    keys.push(f.localName);
    if (mode === Mode.IMPLICIT) defaults.push(defaultOf(type));
    else if (mode === Mode.EXPLICIT) defaults.push(undefined);
    else {
      defaults.push(null);
      containers.push(fp);
      plan.containerBits = fp.seenBit === 0 || plan.containerBits === -1 ? -1 : plan.containerBits | fp.seenBit;
    }
  }
  plan.template = makeTemplate(keys, defaults);
  plan.checked = proto !== undefined || required.length !== 0 || schema.fields.some((f) => f.oneof !== undefined);
  if (proto !== undefined) {
    // Values of this type are made on the prototype of defaults: a copy site of their own (codec-value.ts).
    plan.copy = (template) => Object.assign(Object.create(proto) as Record<string, unknown>, template);
  }
  // Sub-plans last: a recursive reference finds this plan in the cache.
  for (let i = 0; i < sorted.length; i++) {
    const f = sorted[i]!;
    if (f.kind === 'message') fields[i]!.msg = planFor(f.message);
    else if (f.kind === 'map' && f.value.kind === 'message') fields[i]!.msg = planFor(f.value.message);
  }
  return plan;
}

/**
 * The template of `keys` → `values`, every property stored inside the object.
 * JSON.parse lays out all of an object's properties in the object itself
 * (an object literal keeps only four there, the rest in a separate array
 * that every copy would then allocate too); the values are set afterwards.
 */
function makeTemplate(keys: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const text = `{${keys.map((k) => `${JSON.stringify(k)}:0`).join(',')}}`;
  const template = JSON.parse(text) as Record<string, unknown>;
  for (let i = 0; i < keys.length; i++) template[keys[i]!] = values[i];
  return template;
}
