/**
 * Decoding bytes by a plan, with protobuf's merge semantics:
 * - a non-repeated field seen twice: the last one wins; a message field seen
 *   twice is merged (its second occurrence decodes into the first);
 * - repeated numbers are accepted packed and unpacked, whatever the schema says;
 * - a oneof member clears the other members of its oneof;
 * - unset message, `optional` and oneof fields are present with the value
 *   `undefined` (see codec-plan.ts for why);
 * - `bytes` fields are copies, never views of the input (see schema.ts);
 * - unknown fields (and known fields with an unexpected wire type, and a
 *   closed enum's unknown numbers) are kept raw with the message (unknown.ts),
 *   unless the codec was made with `{ discardUnknownFields: true }`;
 * - groups (delimited messages) end at their end-group tag;
 * - `required` fields are checked once the whole message is read (a message
 *   field may arrive in pieces that are merged);
 * - each submessage is read with the Reader's end set to its own end, so a
 *   value cannot run past its enclosing message.
 *
 * Which code is the format and which the speed: `readScalar` (one value of
 * any type, through the Reader, whose string() is the reference string
 * decoder) is the reference — the `default:` case of decodeInto's switch
 * decodes any singular scalar with it. The other cases specialise: INT32/ENUM
 * read a one-byte varint in place, STRING/REPEATED_STRING read the length and
 * the UTF-8 in place (the only other string decoder; Reader.string is the
 * same check), and the read position stays in a local between fields
 * instead of a property of the Reader. The margin they buy is thin: the
 * bench's UserResponse decode runs at 1.02× protobufjs and Order decode at
 * 1.95× @bufbuild/protobuf (bench/codec.ts, 3 rounds, this machine), so a
 * change here carries its A/B figure.
 */
import { invalidUtf8, MAX_DEPTH, Reader, wireError } from './reader.js';
import { defaultOf, DecOp, FieldType, Mode, type FieldPlan, type MessagePlan } from './codec-plan.js';
import { createValue, newShell } from './codec-value.js';
import type { ProtoError } from './error.js';
import { UNKNOWN_FIELDS, unknownState, type WithUnknownFields } from './unknown.js';
import { utf8Decode } from './utf8.js';
import { Writer } from './writer.js';

/** A message value being decoded. */
type Value = Record<string, unknown> & WithUnknownFields;
/** A repeated field's array, or a map field's object. */
type Container = unknown[] & Record<string, unknown>;

/** Set by the codec for the decode under way (codec.ts). */
export const decodeOptions = { keepUnknown: true, checkRequired: true };

/** Reads one non-message value of `type`. */
function readScalar(r: Reader, f: FieldPlan, type: number): unknown {
  switch (type) {
    case FieldType.INT32:
    case FieldType.ENUM:
      return r.int32();
    case FieldType.STRING:
      return r.string(f.fullName);
    case FieldType.UINT32:
      return r.uint32();
    case FieldType.SINT32:
      return r.sint32();
    case FieldType.BOOL:
      return r.bool();
    case FieldType.DOUBLE:
      return r.double();
    case FieldType.FLOAT:
      return r.float();
    case FieldType.FIXED32:
      return r.fixed32();
    case FieldType.SFIXED32:
      return r.sfixed32();
    case FieldType.INT64:
      return r.int64();
    case FieldType.UINT64:
      return r.uint64();
    case FieldType.SINT64:
      return r.sint64();
    case FieldType.FIXED64:
      return r.fixed64();
    case FieldType.SFIXED64:
      return r.sfixed64();
    case FieldType.BYTES:
      return r.bytes();
  }
}

/** Decodes a length-delimited submessage into `target` (a new value when undefined). */
function readSub(r: Reader, p: MessagePlan, target: Value | undefined, depth: number): Value {
  const end = r.delimited();
  const o = target ?? (newShell(p) as Value);
  const outer = r.len;
  r.len = end;
  decodeInto(p, r, o, depth + 1, target === undefined, 0);
  r.len = outer;
  return o;
}

/** Decodes a group (its start-group tag was just read) up to its end-group tag `endTag`. */
function readGroup(r: Reader, p: MessagePlan, target: Value | undefined, depth: number, endTag: number): Value {
  const o = target ?? (newShell(p) as Value);
  decodeInto(p, r, o, depth + 1, target === undefined, endTag);
  return o;
}

/**
 * Decodes fields from `r.pos` to `r.len` (or, for a group, up to the
 * end-group tag `endTag`) into the value `o`. `fresh` says `o` was just made
 * by newShell(): its message fields are unset and its repeated and map fields
 * still hold `null`; the containers are made when their first element
 * arrives, and the empty ones at the end.
 *
 * One switch on the field's operation (codec-plan.ts, DecOp). Property access by
 * a computed name (`o[f.key]`) is the slow part of a generic decoder, so
 * reads of the existing value are avoided where they cannot matter: `seen`
 * has a bit (FieldPlan.seenBit) for each message field or container this loop
 * has set, and runs of one repeated field reuse the container of their first
 * element.
 */
export function decodeInto(p: MessagePlan, r: Reader, o: Value, depth: number, fresh: boolean, endTag: number): void {
  if (depth > MAX_DEPTH) throw wireError(`protobuf: ${p.schema.typeName} nested deeper than ${MAX_DEPTH}`);
  const byNo = p.byNo;
  const sparse = p.byNoSparse;
  let seen = 0;
  let listField: FieldPlan | undefined;
  let list = null as unknown as Container;
  let ended = false;
  // The read position lives in `pos` while the loop reads tags, small ints
  // and strings itself; it is handed to `r` before any call that reads
  // through it (r.pos = pos) and taken back after (pos = r.pos).
  const buf = r.buf;
  const len = r.len;
  let pos = r.pos;
  while (pos < len) {
    const start = pos;
    // The tag: checked (skipField) when it is not a known field's tag.
    let t = buf[pos]!;
    if (t < 128) pos++;
    else {
      r.pos = pos;
      t = r.uint32();
      pos = r.pos;
    }
    const no = t >>> 3;
    const f = sparse === undefined ? (no < byNo.length ? byNo[no] : undefined) : sparse.get(no);
    // A known field with another wire type: a packed run of a repeated number, or else unknown.
    if (f === undefined || (t !== f.tag && ((t & 7) !== 2 || !f.packable))) {
      if ((t & 7) === 4) {
        if (t === endTag) {
          ended = true;
          break;
        }
        throw wireError(`protobuf: unexpected end-group ${no} at byte ${start}`);
      }
      r.pos = pos;
      skipField(r, t);
      pos = r.pos;
      if (decodeOptions.keepUnknown) addUnknown(o, buf.slice(start, pos));
      continue;
    }
    const op = f.decOp;
    if (op >= DecOp.REPEATED && op <= DecOp.MAP && f !== listField) {
      // The first element of a run of one list or map field: find (or make) the container.
      const bit = f.seenBit;
      list = containerOf(o, f, fresh && bit !== 0 && (seen & bit) === 0);
      seen |= bit;
      listField = f;
    }
    switch (op) {
      case FieldType.INT32:
      case FieldType.ENUM: {
        // A one-byte varint (0–127) in place; anything else through the Reader.
        const b = pos < len ? buf[pos]! : 128;
        if (b < 128) {
          o[f.key] = b;
          pos++;
        } else {
          r.pos = pos;
          o[f.key] = r.int32();
          pos = r.pos;
        }
        break;
      }
      case FieldType.STRING:
      case DecOp.REPEATED_STRING: {
        // The length: one byte in place, longer through the Reader; then checked against the bytes left.
        let n = pos < len ? buf[pos]! : 128;
        if (n < 128) pos++;
        else {
          r.pos = pos;
          n = r.uint32();
          pos = r.pos;
        }
        const end = pos + n;
        if (end > len) throw lengthError(n, pos, len);
        const s = utf8Decode(buf, pos, end);
        if (s === undefined) throw invalidUtf8(f.fullName, pos);
        pos = end;
        if (op === FieldType.STRING) o[f.key] = s;
        else list.push(s);
        break;
      }
      // The rest read through the Reader.
      case FieldType.BOOL:
        r.pos = pos;
        o[f.key] = r.bool();
        pos = r.pos;
        break;
      case FieldType.INT64:
        r.pos = pos;
        o[f.key] = r.int64();
        pos = r.pos;
        break;
      case FieldType.DOUBLE:
        r.pos = pos;
        o[f.key] = r.double();
        pos = r.pos;
        break;
      case DecOp.MESSAGE: {
        const bit = f.seenBit;
        const existing = fresh && bit !== 0 && (seen & bit) === 0 ? undefined : (o[f.key] as Value | undefined);
        seen |= bit;
        r.pos = pos;
        o[f.key] = readSub(r, f.msg!, existing, depth);
        pos = r.pos;
        break;
      }
      // Lists and maps: `list` is the field's container (found above).
      case DecOp.REPEATED_MESSAGE:
        r.pos = pos;
        list.push(readSub(r, f.msg!, undefined, depth));
        pos = r.pos;
        break;
      case DecOp.REPEATED:
        r.pos = pos;
        if (t === f.tag) list.push(readScalar(r, f, f.type));
        else readPacked(r, f, list);
        pos = r.pos;
        break;
      case DecOp.REPEATED_BYTES:
        r.pos = pos;
        list.push(r.bytes());
        pos = r.pos;
        break;
      case DecOp.MAP:
        r.pos = pos;
        readEntry(r, f, list, depth, o, start);
        pos = r.pos;
        break;
      case DecOp.ONEOF:
        r.pos = pos;
        readOneof(r, f, o, depth, start);
        pos = r.pos;
        break;
      default:
        r.pos = pos;
        seen = readOther(r, f, o, depth, t, start, seen, list);
        pos = r.pos;
    }
  }
  r.pos = pos;
  if (endTag !== 0) {
    if (!ended) throw wireError(`protobuf: group ${endTag >>> 3} of ${p.schema.typeName} has no end-group tag`);
  } else if (pos !== len) throw wireError(`protobuf: ${p.schema.typeName} overran its length`);
  if (fresh && (seen & p.containerBits) !== p.containerBits) addEmptyContainers(p, o, seen);
}

/**
 * The operations decodeInto's switch leaves out (rarer fields, kept out of the
 * hot loop): any other singular scalar (the reference path, readScalar),
 * groups and closed enums. Returns `seen` with the bits of what it set.
 */
function readOther(
  r: Reader,
  f: FieldPlan,
  o: Value,
  depth: number,
  t: number,
  start: number,
  seen: number,
  list: Container,
): number {
  switch (f.decOp) {
    case DecOp.GROUP:
      // Merged into the value there, if any (groups are rare: no `seen` shortcut).
      o[f.key] = readGroup(r, f.msg!, o[f.key] as Value | undefined, depth, f.endTag);
      return seen;
    case DecOp.REPEATED_GROUP:
      list.push(readGroup(r, f.msg!, undefined, depth, f.endTag));
      return seen;
    case DecOp.CLOSED_ENUM:
      return readClosedEnum(r, f, o, t, start, seen);
    default:
      o[f.key] = readScalar(r, f, f.decOp);
      return seen;
  }
}

/** A oneof member: clears the other members, then reads like a singular field. */
function readOneof(r: Reader, f: FieldPlan, o: Value, depth: number, start: number): void {
  if (f.closed !== undefined) {
    const v = r.int32();
    if (!f.closed.has(v)) {
      if (decodeOptions.keepUnknown) addUnknown(o, r.buf.slice(start, r.pos));
      return;
    }
    clearSiblings(o, f.siblings!);
    o[f.key] = v;
    return;
  }
  clearSiblings(o, f.siblings!);
  const existing = o[f.key] as Value | undefined;
  if (f.type === FieldType.MESSAGE) o[f.key] = readSub(r, f.msg!, existing, depth);
  else if (f.type === FieldType.GROUP) o[f.key] = readGroup(r, f.msg!, existing, depth, f.endTag);
  else o[f.key] = readScalar(r, f, f.type);
}

/**
 * A closed enum (proto2): a number the enum defines is stored; any other goes
 * to the unknown fields, as protobuf does — the field's raw bytes for a
 * single value, a varint field of its own for each unknown value of a packed run.
 */
function readClosedEnum(r: Reader, f: FieldPlan, o: Value, t: number, start: number, seen: number): number {
  const known = f.closed!;
  if (f.mode !== Mode.REPEATED && f.mode !== Mode.PACKED) {
    const v = r.int32();
    if (known.has(v)) o[f.key] = v;
    else if (decodeOptions.keepUnknown) addUnknown(o, r.buf.slice(start, r.pos));
    return seen;
  }
  let c = o[f.key] as unknown[] | null | undefined;
  if (c === null || c === undefined) o[f.key] = c = [];
  if (t === f.tag) {
    const v = r.int32();
    if (known.has(v)) c.push(v);
    else if (decodeOptions.keepUnknown) addUnknown(o, r.buf.slice(start, r.pos));
  } else {
    const end = r.delimited();
    const outer = r.len;
    r.len = end;
    while (r.pos < end) {
      const v = r.int32();
      if (known.has(v)) c.push(v);
      else if (decodeOptions.keepUnknown) addUnknown(o, varintField(f.no, v));
    }
    r.len = outer;
  }
  return seen | f.seenBit;
}

/** The bytes of a varint field `no` holding the int32 `v` (sign-extended, as protobuf writes enums). */
function varintField(no: number, v: number): Uint8Array {
  const w = new Writer(16);
  w.uint32((no << 3) >>> 0);
  w.int32(v);
  return w.finish();
}

/** Appends one field's raw bytes to the unknown fields of `o`. */
function addUnknown(o: Value, raw: Uint8Array): void {
  unknownState.seen = true;
  const list = o[UNKNOWN_FIELDS];
  if (list === undefined) o[UNKNOWN_FIELDS] = [raw];
  else list.push(raw);
}

/**
 * The array or map of the repeated/map field `f` in `o`: a new one when `isNew`
 * (the first element of a fresh value: the slot holds `null`), else the one
 * there, or a new one in place of `null`.
 */
function containerOf(o: Value, f: FieldPlan, isNew: boolean): Container {
  if (!isNew) {
    const c = o[f.key];
    if (c !== null && c !== undefined) return c as Container;
  }
  const c = (f.isMap ? Object.create(null) : []) as Container;
  o[f.key] = c;
  return c;
}

/** The repeated and map fields of a fresh value that got no element: empty containers. */
function addEmptyContainers(p: MessagePlan, o: Value, seen: number): void {
  const containers = p.containers;
  for (let i = 0; i < containers.length; i++) {
    const f = containers[i]!;
    if (f.seenBit !== 0 ? (seen & f.seenBit) === 0 : o[f.key] === null) o[f.key] = f.isMap ? Object.create(null) : [];
  }
}

/**
 * Skips a field: unknown, or known with an unexpected wire type (protobuf
 * keeps both as unknown fields). Its tag is checked here, as the loop did not.
 */
function skipField(r: Reader, t: number): void {
  if (t >>> 3 === 0) throw wireError(`protobuf: field number 0 at byte ${r.pos}`);
  r.skip(t & 7, t >>> 3);
}

/** Unsets the other members of a oneof (to undefined: `delete` would slow the object down). */
function clearSiblings(o: Value, siblings: readonly string[]): void {
  for (let i = 0; i < siblings.length; i++) {
    if (o[siblings[i]!] !== undefined) o[siblings[i]!] = undefined;
  }
}

function readPacked(r: Reader, f: FieldPlan, into: unknown[]): void {
  const end = r.delimited();
  const outer = r.len;
  r.len = end;
  const type = f.type;
  while (r.pos < end) into.push(readScalar(r, f, type));
  r.len = outer;
}

/**
 * A map entry: a submessage {1: key, 2: value}; either may be missing (then it
 * is the default). An entry whose value is a closed enum's unknown number goes
 * whole to the unknown fields of `o` (the map's message), as protobuf does.
 */
function readEntry(r: Reader, f: FieldPlan, map: Container, depth: number, o: Value, start: number): void {
  if (f.keyType === FieldType.STRING && f.valueType === FieldType.STRING && shortStringEntry(r, map)) return;
  const end = r.delimited();
  const outer = r.len;
  r.len = end;
  let key: unknown;
  let value: unknown;
  while (r.pos < end) {
    const t = r.uint32();
    if (t === f.keyTag) key = readScalar(r, f, f.keyType);
    else if (t === f.valueTag)
      value =
        f.valueType === FieldType.MESSAGE
          ? readSub(r, f.msg!, value as Value | undefined, depth)
          : readScalar(r, f, f.valueType);
    else if (t >>> 3 === 0) throw wireError(`protobuf: field number 0 at byte ${r.pos}`);
    else r.skip(t & 7, t >>> 3);
  }
  r.len = outer;
  if (key === undefined) key = defaultOf(f.keyType);
  if (value === undefined) value = f.valueType === FieldType.MESSAGE ? createValue(f.msg!) : defaultOf(f.valueType);
  if (f.closed !== undefined && !f.closed.has(value as number)) {
    if (decodeOptions.keepUnknown) addUnknown(o, r.buf.slice(start, end));
    return;
  }
  map[typeof key === 'string' ? key : String(key as number | bigint | boolean)] = value;
}

/**
 * A string → string map entry in the form encoders write, with every length
 * under 128: `n 0x0a k <key> 0x12 v <value>`, where n = 2 + k + 2 + v.
 * Read in one go (the commonest map, as in headers and labels) and stored;
 * false, having read nothing, for any other form, which readEntry then reads
 * the general way (and rejects, if it is invalid).
 */
function shortStringEntry(r: Reader, map: Container): boolean {
  const buf = r.buf;
  const start = r.pos;
  if (start + 3 > r.len) return false;
  const n = buf[start]!;
  const k = buf[start + 2]!;
  if (n >= 128 || buf[start + 1] !== 0x0a || k >= 128) return false;
  const end = start + 1 + n;
  const keyEnd = start + 3 + k;
  if (end > r.len || keyEnd + 2 > end || buf[keyEnd] !== 0x12 || keyEnd + 2 + buf[keyEnd + 1]! !== end) return false;
  const key = utf8Decode(buf, start + 3, keyEnd);
  const value = utf8Decode(buf, keyEnd + 2, end);
  if (key === undefined || value === undefined) return false;
  map[key] = value;
  r.pos = end;
  return true;
}

/** A length prefix that runs past the bytes left (the words of Reader.delimited()). */
function lengthError(n: number, pos: number, len: number): ProtoError {
  return wireError(`protobuf: length ${n} at byte ${pos} exceeds the ${len - pos} bytes left`);
}

const NO_BYTES = new Uint8Array(0);

/**
 * The Reader of every top-level decode, pointed at each message in turn: one
 * object less to allocate per message. Decoding runs no user code and never
 * decodes another message meanwhile, so one is enough; it lets go of the
 * bytes when done.
 */
const shared = new Reader(NO_BYTES);

export function decodeMessage(p: MessagePlan, bytes: Uint8Array): Value {
  const o = newShell(p) as Value;
  shared.reset(bytes);
  try {
    decodeInto(p, shared, o, 0, true, 0);
  } finally {
    shared.reset(NO_BYTES);
  }
  return o;
}
