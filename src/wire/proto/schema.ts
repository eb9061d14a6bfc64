/**
 * The message schema: plain data describing a protobuf message, built once
 * (from a parsed .proto in src/service, or written out by `wiregrpc gen`) and
 * read by the codec and the JSON mapping. src/wire never sees protobufjs.
 *
 * Values are plain objects keyed by `localName`:
 * - proto3 scalars and enums: always present after decode (default 0, "", false, 0n, empty bytes);
 * - 64-bit integer types: bigint; enums: numbers (open: unknown numbers kept);
 * - bytes: Uint8Array, and after decode a copy of its own. protobufjs returns
 *   views into the input instead (no copy: faster, most of all for large
 *   fields), but a view changes when its owner reuses the input buffer, and a
 *   10-byte field would keep a whole network chunk alive; so decoded values
 *   never alias the bytes they came from;
 * - repeated: arrays; maps: plain objects keyed by the key's string form
 *   (`"true"`, `"-1"`), created without a prototype;
 * - message fields: absent (undefined) until set;
 * - `optional` fields (explicit presence): absent unless set, and then written even when default;
 *   a proto2 `[default = …]` (or an editions field's default) is what an unset one reads as
 *   (from the value's prototype: the value's own properties are only the fields that are set);
 * - oneof members: flat, at most one of them present;
 * - unknown fields: kept, raw and in order, under a symbol key (unknown.ts), and written back.
 *
 * proto2 and editions: the schema holds the resolved features, not the syntax —
 * presence (`optional`, `required`), closed enums, packed or expanded
 * repeated fields, delimited (group) message encoding, UTF-8 validation.
 */
export type ScalarType =
  | 'double'
  | 'float'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'fixed32'
  | 'sfixed32'
  | 'int64'
  | 'uint64'
  | 'sint64'
  | 'fixed64'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes';

export interface EnumSchema {
  /** Full name without leading dot: `pkg.Outer.Color`. */
  readonly typeName: string;
  readonly values: readonly { readonly name: string; readonly no: number }[];
  /**
   * A closed enum (proto2, or editions' `enum_type = CLOSED`): a number that is
   * not one of `values` is not stored in the field; the decoder keeps it with
   * the message's unknown fields, as protobuf does. Open (proto3) enums keep any number.
   */
  readonly closed?: boolean;
}

/** The value of a field's `[default = …]`, in the field's JS representation. */
export type DefaultValue = number | bigint | boolean | string | Uint8Array;

interface FieldCommon {
  /** Field number. */
  readonly no: number;
  /** Name as written in the .proto: `user_name`. */
  readonly name: string;
  /** Property name in JS values: lowerCamelCase, `userName`. */
  readonly localName: string;
  /** proto3 JSON name: `userName`, or the `json_name` option. */
  readonly jsonName: string;
  /**
   * An extension (proto2 `extend`, editions too): its full name, `pkg.ext`,
   * which is also its `name` and `localName` (values: `{ 'pkg.ext': 5 }`)
   * and, in brackets, its jsonName (`[pkg.ext]`).
   */
  readonly extension?: string;
  /** Name of the (real, non-synthetic) oneof this field belongs to. */
  readonly oneof?: string;
  /** Explicit presence (proto3 `optional`, proto2 `optional`/`required`): written whenever set, absent when not. */
  readonly optional?: boolean;
  /**
   * proto2 `required` (editions' `field_presence = LEGACY_REQUIRED`): a message
   * without it is refused on encode and decode, naming the field (unless the
   * codec was made with `{ checkRequired: false }`). Implies `optional`.
   */
  readonly required?: boolean;
}

export interface ScalarField extends FieldCommon {
  readonly kind: 'scalar';
  readonly scalar: ScalarType;
  readonly repeated?: boolean;
  /** Repeated numeric fields: written packed (proto3 default) unless `false`. Decode accepts both forms. */
  readonly packed?: boolean;
  /** What an unset field with presence reads as (proto2 `[default = …]`). */
  readonly default?: DefaultValue;
  /** `string` fields: `false` when UTF-8 is not validated (proto2, editions' `utf8_validation = NONE`). */
  readonly utf8?: boolean;
}

export interface EnumField extends FieldCommon {
  readonly kind: 'enum';
  readonly enum: EnumSchema;
  readonly repeated?: boolean;
  readonly packed?: boolean;
  /** The number of the `[default = NAME]` value. */
  readonly default?: number;
}

export interface MessageField extends FieldCommon {
  readonly kind: 'message';
  /** Mutable so that recursive and mutually recursive schemas can be tied after construction. */
  message: MessageSchema;
  readonly repeated?: boolean;
  /**
   * Delimited encoding (a proto2 group, editions' `message_encoding = DELIMITED`):
   * the message is written between a start-group and an end-group tag instead of with a length.
   */
  readonly delimited?: boolean;
}

export type MapValue =
  | { readonly kind: 'scalar'; readonly scalar: ScalarType }
  | { readonly kind: 'enum'; readonly enum: EnumSchema }
  | { kind: 'message'; message: MessageSchema };

export interface MapField extends FieldCommon {
  readonly kind: 'map';
  /** Map keys: any integral or string type, or bool. */
  readonly key: ScalarType;
  readonly value: MapValue;
}

export type FieldSchema = ScalarField | EnumField | MessageField | MapField;

export interface MessageSchema {
  /** Full name without leading dot: `proto.UserResponse`. */
  readonly typeName: string;
  /** In declaration order; the encoder writes them in field-number order, as protobuf does. */
  readonly fields: readonly FieldSchema[];
  /** Field names the message reserves (`reserved "old_name";`): text format skips them, as protobuf does. */
  readonly reservedNames?: readonly string[];
}

/** How a codec treats what a schema does not describe, and proto2's `required`. */
export interface CodecOptions {
  /** Drop unknown fields on decode instead of keeping them (default: kept, and written back). */
  readonly discardUnknownFields?: boolean;
  /** Check `required` fields on encode and decode (default: true). */
  readonly checkRequired?: boolean;
}

/** A message codec built once per schema: the hot path of every call. */
export interface MessageCodec<T = Record<string, unknown>> {
  readonly schema: MessageSchema;
  /** Throws ProtoError (kind 'encode') naming the field and the value it cannot represent. */
  encode(value: T): Uint8Array;
  /**
   * The message's bytes starting `offset` bytes into one buffer from `alloc`
   * (default: a new Uint8Array); the first `offset` bytes are left for the
   * caller to fill, e.g. with a frame prefix (grpc/frame.ts `encodeFramed`).
   */
  encodeInto(value: T, alloc?: (length: number) => Uint8Array, offset?: number): Uint8Array;
  /** Throws ProtoError (kind 'decode') on malformed input. */
  decode(bytes: Uint8Array): T;
}
