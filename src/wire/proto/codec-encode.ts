/**
 * Encoding a value by its plan, exactly as protobuf (C++/upb, and so Python
 * with `deterministic=True`) does it:
 * - fields in field-number order;
 * - proto3 fields without presence are skipped when they hold the default
 *   (-0.0 is not the default: its bits are not zero, and protobuf writes it);
 * - `optional` fields, oneof members and message fields are written whenever set;
 * - repeated numbers are packed unless the schema says `packed: false`;
 * - map entries are submessages {1: key, 2: value}, both always written, in
 *   sorted key order (numeric for integer keys, code point order for strings);
 * - groups (delimited messages) between a start-group and an end-group tag;
 * - the unknown fields a decode kept (unknown.ts) after the known ones, as they came.
 *
 * No value is changed silently: a value the field's type cannot hold exactly
 * (an int32 of 2**31, an int64 of 1.5 or 2n**64n, NaN for an integer, a
 * string where a number belongs, two members of one oneof, a missing
 * `required` field) is a ProtoError naming the field and the value. What a
 * user plainly means is accepted: an enum value by name, a 64-bit integer as
 * a bigint, a safe-integer number or a decimal string.
 *
 * Which code is the format and which the speed: `writeScalar` (one value of
 * any type) and `isDefault` are the reference — every field could be written
 * with them and EncOp.IMPLICIT / EXPLICIT / REPEATED / PACKED alone. The
 * other ops specialise the commonest fields of real messages so that the
 * default check, the tag and the write sit in one case: EncOp.STRING, INT32
 * and MESSAGE in `writeField` (small enough to be inlined into the loop of
 * `encodeMessage`: a call per field costs ~5% of an encode), BOOL, DOUBLE,
 * INT64, REPEATED_STRING and REPEATED_MESSAGE in `writeOtherField`. With
 * them the bench's UserResponse encode runs at 2.80× protobufjs (bench/codec.ts,
 * 3 rounds, this machine). A specialised op must write exactly the bytes the
 * reference path would: the golden fixtures check both.
 */
import { ProtoError } from './error.js';
import { MAX_DEPTH } from './reader.js';
import { defaultOf, EncOp, FieldType, type FieldPlan, type MessagePlan } from './codec-plan.js';
import { UNKNOWN_FIELDS, unknownState, type WithUnknownFields } from './unknown.js';
import type { Writer } from './writer.js';
import { badValue, describe, doubleOf, floatOf, int32Of, int64Of, isUnsigned, uint32Of } from './encode-values.js';
import { sortKeys } from './map-key-order.js';

/** A message value as the encoder reads it. */
type Value = Readonly<Record<string, unknown>>;

/** Set by the codec for the encode under way (codec.ts): whether `required` fields are checked. */
export const encodeOptions = { checkRequired: true };

/** True when an implicit-presence field holds its default and is not written. */
function isDefault(type: number, v: unknown): boolean {
  switch (type) {
    case FieldType.STRING:
      return v === '';
    case FieldType.BYTES:
      return v instanceof Uint8Array && v.length === 0;
    case FieldType.BOOL:
      return v === false;
    case FieldType.DOUBLE:
    case FieldType.FLOAT:
      return v === 0 && 1 / v > 0;
    case FieldType.INT64:
    case FieldType.UINT64:
    case FieldType.FIXED64:
    case FieldType.SFIXED64:
    case FieldType.SINT64:
      return v === 0n || v === 0 || v === '0';
    default:
      return v === 0;
  }
}

/** Writes one non-message value of `type` (no tag): the reference path every field can be written by. */
export function writeScalar(w: Writer, f: FieldPlan, type: number, v: unknown): void {
  switch (type) {
    case FieldType.STRING:
      if (typeof v !== 'string') throw badValue(f, v, 'a string');
      w.string(v);
      return;
    case FieldType.INT32:
    case FieldType.ENUM:
    case FieldType.SFIXED32:
      if (type === FieldType.SFIXED32) w.fixed32(int32Of(f, v));
      else w.int32(int32Of(f, v));
      return;
    case FieldType.SINT32:
      w.sint32(int32Of(f, v));
      return;
    case FieldType.UINT32:
      w.uint32(uint32Of(f, v));
      return;
    case FieldType.FIXED32:
      w.fixed32(uint32Of(f, v));
      return;
    case FieldType.BOOL:
      if (typeof v !== 'boolean') throw badValue(f, v, 'a boolean');
      w.bool(v);
      return;
    case FieldType.DOUBLE:
      w.double(doubleOf(f, v));
      return;
    case FieldType.FLOAT:
      w.float(floatOf(f, v));
      return;
    case FieldType.INT64:
    case FieldType.UINT64:
      w.int64(int64Of(f, type, v));
      return;
    case FieldType.SINT64:
      w.sint64(int64Of(f, type, v));
      return;
    case FieldType.FIXED64:
    case FieldType.SFIXED64:
      w.fixed64(int64Of(f, type, v));
      return;
    case FieldType.BYTES:
      if (!(v instanceof Uint8Array)) throw badValue(f, v, 'a Uint8Array');
      w.bytes(v);
      return;
  }
}

/**
 * A length-delimited submessage. Bytes given for a message (a Uint8Array is an
 * object too) are caught only when they encoded to nothing, the one way they
 * can pass: an `instanceof` test of every submessage costs ~8% of the bench's
 * Catalog encode (1150 submessages; 3.5k vs 3.2k ops/s, noisy).
 */
function writeSub(w: Writer, f: FieldPlan, v: unknown, depth: number): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badValue(f, v, 'a message (an object)');
  const mark = w.fork();
  encodeMessage(f.msg!, v as Value, w, depth + 1);
  if (w.pos === mark + 1 && v instanceof Uint8Array) throw badValue(f, v, 'a message (an object)');
  w.join(mark);
}

/** A group: the start-group tag, the fields, the end-group tag. */
function writeGroup(w: Writer, f: FieldPlan, v: unknown, depth: number): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array)
    throw badValue(f, v, 'a message (an object)');
  w.uint32(f.tag);
  encodeMessage(f.msg!, v as Value, w, depth + 1);
  w.uint32(f.endTag);
}

function listOf(f: FieldPlan, v: unknown): readonly unknown[] {
  if (!Array.isArray(v)) throw badValue(f, v, 'an array');
  return v;
}

/**
 * Writes the message `m` of type `p`.
 *
 * Reading `m[f.key]` for each field of the plan is a property load by a
 * computed name, which V8 answers from a global cache keyed by (object
 * layout, name): ~8 ns a field. A `for...in` loop over `m` reads each
 * property by its slot in the layout instead (the loop's keys come from a
 * cache on the layout): ~4 ns. So the fields are taken in the order of `m`'s
 * own properties for as long as those are the plan's fields in order (always,
 * for values made by the decoder: copies of the plan's template), and from
 * the first property that is not the next field on, the remaining fields
 * are read by name. Either way each field is written once, in field-number
 * order, with the value `m[f.key]` has.
 *
 * Types with oneofs, `[default = …]` or `required` fields (MessagePlan.checked)
 * take encodeChecked instead: two members of a oneof are refused, a field set
 * only on the prototype is unset, required ones are checked. Kept out of this
 * loop on purpose: with them here the bench's Catalog encode (1150 small
 * submessages) ran a few per cent slower. Then the message's unknown fields, if any.
 */
export function encodeMessage(p: MessagePlan, m: Value, w: Writer, depth: number): void {
  if (depth > MAX_DEPTH)
    throw new ProtoError('encode', `cannot encode ${p.schema.typeName}: nested deeper than ${MAX_DEPTH} (a cycle?)`);
  if (p.checked) encodeChecked(p, m, w, depth);
  else {
    const fields = p.fields;
    let i = 0;
    for (const k in m) {
      const f = fields[i];
      if (f === undefined || f.key !== k) break;
      i++;
      const v = m[k];
      if (v !== undefined && v !== null) writeField(w, f, v, depth);
    }
    for (; i < fields.length; i++) {
      const f = fields[i]!;
      const v = m[f.key];
      if (v !== undefined && v !== null) writeField(w, f, v, depth);
    }
  }
  // Looked for only once the process has seen unknown fields (unknown.ts, unknownState: measured there).
  if (unknownState.seen) {
    const unknown = (m as WithUnknownFields)[UNKNOWN_FIELDS];
    if (unknown !== undefined) writeUnknown(w, p, unknown);
  }
}

/** The value of `f` in `m` as set: a field with a default counts only as an own property. */
function setValue(m: Value, f: FieldPlan): unknown {
  return f.hasDefault && !Object.prototype.hasOwnProperty.call(m, f.key) ? undefined : m[f.key];
}

function encodeChecked(p: MessagePlan, m: Value, w: Writer, depth: number): void {
  const fields = p.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const v = setValue(m, f);
    if (v !== undefined && v !== null) {
      if (f.encOp === EncOp.ONEOF) writeOneof(w, f, v, m, depth);
      else writeField(w, f, v, depth);
    } else if (f.required && encodeOptions.checkRequired)
      throw new ProtoError('encode', `cannot encode ${p.schema.typeName}: required field ${f.fullName} is not set`);
  }
}

function writeUnknown(w: Writer, p: MessagePlan, unknown: unknown): void {
  if (!Array.isArray(unknown))
    throw new ProtoError('encode', `cannot encode ${p.schema.typeName}: its unknown fields are not an array of bytes`);
  for (let i = 0; i < unknown.length; i++) {
    const raw: unknown = unknown[i];
    if (!(raw instanceof Uint8Array))
      throw new ProtoError('encode', `cannot encode ${p.schema.typeName}: unknown field ${i} is not a Uint8Array`);
    w.raw(raw);
  }
}

/**
 * Writes the field `f` holding `v` (neither undefined nor null). The
 * commonest kinds of field are written here, the others by writeOtherField:
 * this function stays small enough for the optimizing compiler to inline it
 * into encodeMessage's loops (a call per field costs ~5% of an encode).
 */
function writeField(w: Writer, f: FieldPlan, v: unknown, depth: number): void {
  switch (f.encOp) {
    case EncOp.STRING:
      if (typeof v !== 'string') throw badValue(f, v, 'a string');
      if (v.length === 0) return;
      w.uint32(f.tag);
      w.string(v);
      return;
    case EncOp.INT32: {
      // An int32 in range is the one value for which `(v | 0) === v`; the rest (names, errors) in int32Of.
      const n = ((v as number) | 0) === v ? (v as number) : int32Of(f, v);
      if (n === 0) return;
      w.uint32(f.tag);
      w.int32(n);
      return;
    }
    case EncOp.MESSAGE:
      w.uint32(f.tag);
      writeSub(w, f, v, depth);
      return;
    default:
      writeOtherField(w, f, v, depth);
  }
}

function writeOtherField(w: Writer, f: FieldPlan, v: unknown, depth: number): void {
  switch (f.encOp) {
    case EncOp.BOOL:
      if (typeof v !== 'boolean') throw badValue(f, v, 'a boolean');
      if (!v) return;
      w.uint32(f.tag);
      w.bool(true);
      return;
    case EncOp.DOUBLE:
      if (typeof v !== 'number') throw badValue(f, v, 'a number');
      if (v === 0 && 1 / v > 0) return;
      w.uint32(f.tag);
      w.double(v);
      return;
    case EncOp.INT64: {
      const n = int64Of(f, f.type, v);
      if (n === 0n || n === 0) return;
      w.uint32(f.tag);
      w.int64(n);
      return;
    }
    case EncOp.IMPLICIT:
      if (isDefault(f.type, v)) return;
      w.uint32(f.tag);
      writeScalar(w, f, f.type, v);
      return;
    case EncOp.EXPLICIT:
      w.uint32(f.tag);
      writeScalar(w, f, f.type, v);
      return;
    case EncOp.PACKED: {
      const list = listOf(f, v);
      const n = list.length;
      if (n === 0) return;
      w.uint32(f.lenTag);
      const mark = w.fork();
      const type = f.type;
      for (let j = 0; j < n; j++) writeScalar(w, f, type, list[j]);
      w.join(mark);
      return;
    }
    case EncOp.REPEATED_STRING: {
      const list = listOf(f, v);
      const tag = f.tag;
      for (let j = 0; j < list.length; j++) {
        const s = list[j];
        if (typeof s !== 'string') throw badValue(f, s, 'a string');
        w.uint32(tag);
        w.string(s);
      }
      return;
    }
    case EncOp.REPEATED_MESSAGE: {
      const list = listOf(f, v);
      const tag = f.tag;
      for (let j = 0; j < list.length; j++) {
        w.uint32(tag);
        writeSub(w, f, list[j], depth);
      }
      return;
    }
    case EncOp.REPEATED: {
      const list = listOf(f, v);
      const tag = f.tag;
      const type = f.type;
      for (let j = 0; j < list.length; j++) {
        w.uint32(tag);
        writeScalar(w, f, type, list[j]);
      }
      return;
    }
    case EncOp.MAP:
      writeMap(w, f, v, depth);
      return;
    case EncOp.GROUP:
      writeGroup(w, f, v, depth);
      return;
    case EncOp.REPEATED_GROUP: {
      const list = listOf(f, v);
      for (let j = 0; j < list.length; j++) writeGroup(w, f, list[j], depth);
      return;
    }
    case EncOp.ONEOF:
      // Only through encodeChecked (writeOneof), which has the message to look at the other members in.
      throw new ProtoError('encode', `cannot encode ${f.fullName}: a oneof member outside its message`);
  }
}

/** A member of a oneof: refused when another member is set too. */
function writeOneof(w: Writer, f: FieldPlan, v: unknown, m: Value, depth: number): void {
  const siblings = f.siblings!;
  for (let j = 0; j < siblings.length; j++) {
    const other = m[siblings[j]!];
    if (other !== undefined && other !== null)
      throw new ProtoError(
        'encode',
        `cannot encode ${f.fullName}: another member of its oneof is set too (${siblings[j]!} = ${describe(other)})`,
      );
  }
  if (f.type === FieldType.MESSAGE) {
    w.uint32(f.tag);
    writeSub(w, f, v, depth);
  } else if (f.type === FieldType.GROUP) writeGroup(w, f, v, depth);
  else {
    w.uint32(f.tag);
    writeScalar(w, f, f.type, v);
  }
}

function writeMap(w: Writer, f: FieldPlan, v: unknown, depth: number): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array)
    throw badValue(f, v, 'a map (an object)');
  const map = v as Value;
  const keys = Object.keys(map);
  if (keys.length === 0) return;
  if (keys.length > 1) sortKeys(keys, f.keyType);
  const keyType = f.keyType;
  const valueType = f.valueType;
  const keyTag = f.keyTag;
  const valueTag = f.valueTag;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const value = map[k];
    w.uint32(f.lenTag);
    const mark = w.fork();
    w.uint32(keyTag);
    writeScalar(w, f, keyType, mapKey(f, keyType, k));
    w.uint32(valueTag);
    if (valueType === FieldType.MESSAGE) writeSub(w, f, value ?? {}, depth);
    else writeScalar(w, f, valueType, value ?? defaultOf(valueType));
    w.join(mark);
  }
}

/** A map key's string form → the key type's value. */
function mapKey(f: FieldPlan, type: number, k: string): unknown {
  switch (type) {
    case FieldType.STRING:
      return k;
    case FieldType.BOOL:
      if (k === 'true') return true;
      if (k === 'false') return false;
      throw badValue(f, k, 'map key "true" or "false"');
    case FieldType.INT64:
    case FieldType.UINT64:
    case FieldType.SINT64:
    case FieldType.FIXED64:
    case FieldType.SFIXED64:
      try {
        return BigInt(k);
      } catch {
        throw badValue(f, k, 'an integer map key');
      }
    default: {
      const n = Number(k);
      if (!Number.isInteger(n)) throw badValue(f, k, 'an integer map key');
      return n;
    }
  }
}
