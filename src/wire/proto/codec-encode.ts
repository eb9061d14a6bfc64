/**
 * Encoding a value by its plan, exactly as protobuf (C++/upb, and so Python
 * with `deterministic=True`) does it:
 * - fields in field-number order;
 * - proto3 fields without presence are skipped when they hold the default
 *   (-0.0 is not the default: its bits are not zero, and protobuf writes it);
 * - `optional` fields, oneof members and message fields are written whenever set;
 * - repeated numbers are packed unless the schema says `packed: false`;
 * - map entries are submessages {1: key, 2: value}, both always written, in
 *   sorted key order (numeric for integer keys, code point order for strings).
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
import type { Writer } from './writer.js';

function badValue(f: FieldPlan, v: unknown, expected: string): ProtoError {
  const got = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  return new ProtoError('encode', `cannot encode ${f.fullName}: expected ${expected}, got ${got}`);
}

/** True when an implicit-presence field holds its default and is not written. */
function isDefault(type: number, v: any): boolean {
  switch (type) {
    case FieldType.STRING:
      return v === '';
    case FieldType.BYTES:
      return v.length === 0;
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
      return v === 0n || v === 0;
    default:
      return v === 0;
  }
}

function int64Of(f: FieldPlan, v: any): bigint | number {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  if (typeof v === 'string') {
    try {
      return BigInt(v);
    } catch {
      throw badValue(f, v, 'an integer');
    }
  }
  throw badValue(f, v, 'bigint');
}

/** Writes one non-message value of `type` (no tag). */
export function writeScalar(w: Writer, f: FieldPlan, type: number, v: any): void {
  switch (type) {
    case FieldType.STRING:
      if (typeof v !== 'string') throw badValue(f, v, 'string');
      w.string(v);
      return;
    case FieldType.INT32:
    case FieldType.ENUM:
      if (typeof v !== 'number') throw badValue(f, v, 'number');
      w.int32(v | 0);
      return;
    case FieldType.UINT32:
      if (typeof v !== 'number') throw badValue(f, v, 'number');
      w.uint32(v >>> 0);
      return;
    case FieldType.SINT32:
      if (typeof v !== 'number') throw badValue(f, v, 'number');
      w.sint32(v | 0);
      return;
    case FieldType.BOOL:
      if (typeof v !== 'boolean') throw badValue(f, v, 'boolean');
      w.bool(v);
      return;
    case FieldType.DOUBLE:
      if (typeof v !== 'number') throw badValue(f, v, 'number');
      w.double(v);
      return;
    case FieldType.FLOAT:
      if (typeof v !== 'number') throw badValue(f, v, 'number');
      w.float(v);
      return;
    case FieldType.FIXED32:
    case FieldType.SFIXED32:
      if (typeof v !== 'number') throw badValue(f, v, 'number');
      w.fixed32(v);
      return;
    case FieldType.INT64:
    case FieldType.UINT64:
      w.int64(int64Of(f, v));
      return;
    case FieldType.SINT64:
      w.sint64(int64Of(f, v));
      return;
    case FieldType.FIXED64:
    case FieldType.SFIXED64:
      w.fixed64(int64Of(f, v));
      return;
    case FieldType.BYTES:
      if (!(v instanceof Uint8Array)) throw badValue(f, v, 'Uint8Array');
      w.bytes(v);
      return;
  }
}

function writeSub(w: Writer, f: FieldPlan, v: any, depth: number): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badValue(f, v, 'object');
  const mark = w.fork();
  encodeMessage(f.msg!, v, w, depth + 1);
  w.join(mark);
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
 */
export function encodeMessage(p: MessagePlan, m: any, w: Writer, depth: number): void {
  if (depth > MAX_DEPTH)
    throw new ProtoError('encode', `cannot encode ${p.schema.typeName}: nested deeper than ${MAX_DEPTH} (a cycle?)`);
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

/**
 * Writes the field `f` holding `v` (neither undefined nor null). The
 * commonest kinds of field are written here, the others by writeOtherField:
 * this function stays small enough for the optimizing compiler to inline it
 * into encodeMessage's loops (a call per field costs ~5% of an encode).
 */
function writeField(w: Writer, f: FieldPlan, v: any, depth: number): void {
  switch (f.encOp) {
    case EncOp.STRING:
      if (typeof v !== 'string') throw badValue(f, v, 'string');
      if (v.length === 0) return;
      w.uint32(f.tag);
      w.string(v);
      return;
    case EncOp.INT32:
      if (typeof v !== 'number') throw badValue(f, v, 'number');
      if (v === 0) return;
      w.uint32(f.tag);
      w.int32(v | 0);
      return;
    case EncOp.MESSAGE:
      w.uint32(f.tag);
      writeSub(w, f, v, depth);
      return;
    default:
      writeOtherField(w, f, v, depth);
  }
}

function writeOtherField(w: Writer, f: FieldPlan, v: any, depth: number): void {
  switch (f.encOp) {
    case EncOp.BOOL:
      if (typeof v !== 'boolean') throw badValue(f, v, 'boolean');
      if (!v) return;
      w.uint32(f.tag);
      w.bool(true);
      return;
    case EncOp.DOUBLE:
      if (typeof v !== 'number') throw badValue(f, v, 'number');
      if (v === 0 && 1 / v > 0) return;
      w.uint32(f.tag);
      w.double(v);
      return;
    case EncOp.INT64:
      if (v === 0n || v === 0) return;
      w.uint32(f.tag);
      w.int64(int64Of(f, v));
      return;
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
      if (!Array.isArray(v)) throw badValue(f, v, 'array');
      const n = v.length;
      if (n === 0) return;
      w.uint32(f.lenTag);
      const mark = w.fork();
      const type = f.type;
      for (let j = 0; j < n; j++) writeScalar(w, f, type, v[j]);
      w.join(mark);
      return;
    }
    case EncOp.REPEATED_STRING: {
      if (!Array.isArray(v)) throw badValue(f, v, 'array');
      const tag = f.tag;
      for (let j = 0; j < v.length; j++) {
        const s = v[j];
        if (typeof s !== 'string') throw badValue(f, s, 'string');
        w.uint32(tag);
        w.string(s);
      }
      return;
    }
    case EncOp.REPEATED_MESSAGE: {
      if (!Array.isArray(v)) throw badValue(f, v, 'array');
      const tag = f.tag;
      for (let j = 0; j < v.length; j++) {
        w.uint32(tag);
        writeSub(w, f, v[j], depth);
      }
      return;
    }
    case EncOp.REPEATED: {
      if (!Array.isArray(v)) throw badValue(f, v, 'array');
      const tag = f.tag;
      const type = f.type;
      for (let j = 0; j < v.length; j++) {
        w.uint32(tag);
        writeScalar(w, f, type, v[j]);
      }
      return;
    }
    case EncOp.MAP:
      writeMap(w, f, v, depth);
      return;
  }
}

function writeMap(w: Writer, f: FieldPlan, map: any, depth: number): void {
  if (typeof map !== 'object' || Array.isArray(map)) throw badValue(f, map, 'object');
  const keys = Object.keys(map);
  if (keys.length === 0) return;
  if (keys.length > 1) sortKeys(keys, f.keyType);
  const keyType = f.keyType;
  const valueType = f.valueType;
  const keyTag = f.keyTag;
  const valueTag = f.valueTag;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = map[k];
    w.uint32(f.lenTag);
    const mark = w.fork();
    w.uint32(keyTag);
    writeScalar(w, f, keyType, mapKey(f, keyType, k));
    w.uint32(valueTag);
    if (valueType === FieldType.MESSAGE) writeSub(w, f, v ?? {}, depth);
    else writeScalar(w, f, valueType, v ?? defaultOf(valueType));
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

/** Sorts map keys the way protobuf's deterministic serialization does. */
function sortKeys(keys: string[], type: number): void {
  switch (type) {
    case FieldType.STRING:
      keys.sort(compareCodePoints);
      return;
    case FieldType.BOOL:
      keys.sort();
      return;
    case FieldType.INT64:
    case FieldType.UINT64:
    case FieldType.SINT64:
    case FieldType.FIXED64:
    case FieldType.SFIXED64:
      keys.sort((a, b) => {
        const x = safeBigInt(a);
        const y = safeBigInt(b);
        return x < y ? -1 : x > y ? 1 : 0;
      });
      return;
    default:
      keys.sort((a, b) => Number(a) - Number(b));
  }
}

function safeBigInt(k: string): bigint {
  try {
    return BigInt(k);
  } catch {
    return 0n; // reported by mapKey when the entry is written
  }
}

/**
 * Code point order, which is UTF-8 byte order (what protobuf sorts by).
 * JavaScript's default compares UTF-16 units, which puts surrogate pairs
 * (U+10000 and up) before U+E000..U+FFFF; this moves them after.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return fold(x) - fold(y);
  }
  return a.length - b.length;
}

function fold(u: number): number {
  return u < 0xd800 ? u : u < 0xe000 ? u + 0x2000 : u - 0x800;
}
