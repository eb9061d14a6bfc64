/**
 * Text format in: what `protoc --encode=pkg.Msg` reads.
 *
 *   Message  = { Field [ "," | ";" ] }
 *   Field    = Name ":" Scalar | Name ":" "[" [ Scalar { "," Scalar } ] "]"
 *            | Name [ ":" ] Msg | Name [ ":" ] "[" [ Msg { "," Msg } ] "]"
 *   Name     = field_name | GroupTypeName | "[" type.googleapis.com/pkg.Msg "]" (in an Any)
 *   Msg      = "{" Message "}" | "<" Message ">"
 *   Scalar   = ["-"] number | ["-"] identifier (enum name, inf, nan, true, …) | string { string }
 *
 * - integers: decimal, 0x hex, 0 octal, in the field's range (a float literal is refused);
 *   float/double: any number, inf/infinity/nan in any case; float fields round to float
 *   (beyond its range, ±inf, as protobuf does);
 * - bool: true, True, t, 1, false, False, f, 0;
 * - strings: adjacent literals concatenate; a string field's bytes must be UTF-8;
 * - enums: a value's name, or a number (any for an open enum; a closed one's own);
 * - maps: entries `{ key: … value: … }`, a missing key or value is its default;
 * - a field that is not repeated given twice, or two members of one oneof, is an error;
 * - Any: `[type.googleapis.com/pkg.Msg] { … }`, the type from `registry`, stored as its bytes.
 * Every failure is a ProtoError of kind 'text' with the line, the column and the field.
 */
import { codecFor } from './codec.js';
import { planFor } from './codec-plan.js';
import { createValue } from './codec-value.js';
import type { EnumSchema, FieldSchema, MapField, MapValue, MessageSchema, ScalarType } from './schema.js';
import { typeNameOfUrl, type TypeRegistry } from './json-registry.js';
import { describe, Tokenizer, type Token } from './text-format-tokenizer.js';
import { INT_RANGE, integerLiteral } from './text-format-scalar.js';
import { groupName, textName } from './text-format-printer.js';
import { utf8Decode } from './utf8.js';

export interface FromTextOptions {
  /** Where `[type.googleapis.com/pkg.Msg]` in an Any finds its type. */
  registry?: TypeRegistry;
}

type Value = Record<string, unknown>;

const ANY = 'google.protobuf.Any';
/** Nesting limit of messages, as protobuf's text parser has (100). */
const MAX_DEPTH = 100;

/** A message value from text format. Throws ProtoError('text') saying where and for which field. */
export function fromText(schema: MessageSchema, text: string, options: FromTextOptions = {}): Value {
  const tk = new Tokenizer(text);
  const out = createValue(planFor(schema));
  new Parser(tk, options).fields(schema, out, undefined, '', 0);
  return out;
}

const lookups = new WeakMap<MessageSchema, Map<string, FieldSchema>>();

/** Fields by the names text format reads: the .proto name, and a group's type name (`Data` and `data`). */
function fieldsByTextName(schema: MessageSchema): Map<string, FieldSchema> {
  let m = lookups.get(schema);
  if (m === undefined) {
    m = new Map(schema.fields.map((f) => [textName(f), f]));
    for (const f of schema.fields) {
      if (!m.has(f.name)) m.set(f.name, f);
      const group = groupName(f)?.toLowerCase(); // `data`, `multiwordgroupfield`: the name protoc gives a group field
      if (group !== undefined && !m.has(group)) m.set(group, f);
    }
    lookups.set(schema, m);
  }
  return m;
}

/**
 * Names the message reserves (`reserved "old_name";`): text naming one is
 * skipped, as protobuf does, so that text written before the field was
 * removed still reads.
 */
function isReserved(schema: MessageSchema, name: string): boolean {
  return schema.reservedNames?.includes(name) === true;
}

const TRUE = new Set(['true', 'True', 't']);
const FALSE = new Set(['false', 'False', 'f']);

/** Where a field sits: `a.b[2]`. */
function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

class Parser {
  constructor(
    readonly tk: Tokenizer,
    readonly options: FromTextOptions,
  ) {}

  fail(at: Token, what: string, problem: string): never {
    throw this.tk.error(`${what}: ${problem}`, at);
  }

  /** The fields of one message into `out`, up to `close` (or the end of the text). */
  fields(schema: MessageSchema, out: Value, close: '}' | '>' | undefined, path: string, depth: number): void {
    const set = new Map<number, string>(); // fields that may be given once, by number → the name used
    const oneofs = new Map<string, string>();
    for (;;) {
      const t = this.tk.peek();
      if (close === undefined ? t.kind === 'end' : t.kind === 'symbol' && t.text === close) {
        this.tk.next();
        return;
      }
      if (t.kind === 'end') this.fail(t, schema.typeName, `expected "${close}" to close the message`);
      if (t.kind === 'symbol' && t.text === '[') this.bracketed(schema, out, set, oneofs, path, depth);
      else if (t.kind === 'identifier') this.field(schema, out, set, oneofs, path, depth);
      else this.fail(t, schema.typeName, `expected a field name, found ${describe(t)}`);
      if (!this.tk.trySymbol(',')) this.tk.trySymbol(';');
    }
  }

  field(
    schema: MessageSchema,
    out: Value,
    set: Map<number, string>,
    oneofs: Map<string, string>,
    path: string,
    depth: number,
    known?: { field: FieldSchema; at: Token },
  ): void {
    const nameTok = known?.at ?? this.tk.next();
    const f = known?.field ?? fieldsByTextName(schema).get(nameTok.text);
    if (f === undefined && isReserved(schema, nameTok.text)) return this.skipValue();
    if (f === undefined) this.fail(nameTok, schema.typeName, `no field is named "${nameTok.text}"`);
    const what = `${schema.typeName}.${f.name}`;
    const at = join(path, nameTok.text);
    const many = f.kind === 'map' || f.repeated === true;
    if (!many) {
      if (set.has(f.no)) this.fail(nameTok, what, `given twice (it is not repeated) at ${at}`);
      set.set(f.no, f.name);
    }
    if (f.oneof !== undefined) {
      const other = oneofs.get(f.oneof);
      if (other !== undefined && other !== f.name) {
        this.fail(nameTok, what, `"${other}" of the same oneof "${f.oneof}" is already set`);
      }
      oneofs.set(f.oneof, f.name);
    }
    const isMessage = f.kind === 'message' || f.kind === 'map';
    if (isMessage) this.tk.trySymbol(':');
    else this.tk.expectSymbol(':');
    const one = (i: number | undefined): unknown => {
      const p = i === undefined ? at : `${at}[${i}]`;
      if (f.kind === 'map') return this.mapEntry(f, out[f.localName] as Value, what, p, depth);
      if (f.kind === 'message') return this.message(f.message, p, depth + 1);
      return this.scalar(f, what, p);
    };
    const open = this.tk.peek();
    if (open.kind === 'symbol' && open.text === '[') {
      if (!many) this.fail(open, what, `a list [ ... ] for a field that is not repeated, at ${at}`);
      this.tk.next();
      if (this.tk.trySymbol(']')) return;
      for (let i = 0; ; i++) {
        const v = one(i);
        if (f.kind !== 'map') (out[f.localName] as unknown[]).push(v);
        if (this.tk.trySymbol(']')) return;
        this.tk.expectSymbol(',');
      }
    }
    const v = one(undefined);
    if (f.kind === 'map') return;
    if (f.repeated === true) (out[f.localName] as unknown[]).push(v);
    else out[f.localName] = v;
  }

  message(schema: MessageSchema, path: string, depth: number): Value {
    const open = this.tk.next();
    if (depth > MAX_DEPTH) this.fail(open, schema.typeName, `nested deeper than ${MAX_DEPTH} levels`);
    if (open.kind !== 'symbol' || (open.text !== '{' && open.text !== '<')) {
      this.fail(open, schema.typeName, `expected "{" or "<" to open the message at ${path}, found ${describe(open)}`);
    }
    const out = createValue(planFor(schema));
    this.fields(schema, out, open.text === '{' ? '}' : '>', path, depth);
    return out;
  }

  /** One map entry `{ key: … value: … }` into `map`, keyed by the key's string form. */
  mapEntry(f: MapField, map: Value, what: string, path: string, depth: number): undefined {
    const open = this.tk.next();
    if (open.kind !== 'symbol' || (open.text !== '{' && open.text !== '<')) {
      this.fail(open, what, `expected "{" or "<" to open a map entry at ${path}, found ${describe(open)}`);
    }
    const close = open.text === '{' ? '}' : '>';
    let key: unknown;
    let value: unknown;
    while (!this.tk.trySymbol(close)) {
      const t = this.tk.next();
      if (t.kind !== 'identifier' || (t.text !== 'key' && t.text !== 'value')) {
        this.fail(t, what, `expected key, value or "${close}" in a map entry at ${path}, found ${describe(t)}`);
      }
      if ((t.text === 'key' ? key : value) !== undefined) this.fail(t, what, `the entry's ${t.text} is given twice`);
      if (t.text === 'key') {
        this.tk.expectSymbol(':');
        key = this.scalar({ kind: 'scalar', scalar: f.key }, what, `${path}.key`);
      } else if (f.value.kind === 'message') {
        this.tk.trySymbol(':');
        value = this.message(f.value.message, `${path}.value`, depth + 1);
      } else {
        this.tk.expectSymbol(':');
        value = this.scalar(f.value, what, `${path}.value`);
      }
      if (!this.tk.trySymbol(',')) this.tk.trySymbol(';');
    }
    const k = key ?? (f.key === 'string' ? '' : f.key === 'bool' ? false : 0);
    map[String(k)] = value ?? defaultOf(f.value);
    return undefined;
  }

  scalar(kind: FieldSchema | MapValue, what: string, path: string): unknown {
    if (kind.kind === 'enum') return this.enumValue(kind.enum, what, path);
    if (kind.kind !== 'scalar') return this.fail(this.tk.peek(), what, 'not a scalar');
    const s = kind.scalar;
    switch (s) {
      case 'string':
      case 'bytes': {
        const first = this.tk.next();
        if (first.kind !== 'string') this.fail(first, what, `expected a string at ${path}, found ${describe(first)}`);
        const parts = [first.bytes!];
        while (this.tk.peek().kind === 'string') parts.push(this.tk.next().bytes!);
        const bytes = parts.length === 1 ? parts[0]! : concat(parts);
        if (s === 'bytes') return bytes;
        const text = utf8Decode(bytes, 0, bytes.length);
        if (text === undefined) this.fail(first, what, `the string at ${path} is not valid UTF-8`);
        return text;
      }
      case 'bool': {
        const t = this.tk.next();
        if (t.kind === 'identifier' && TRUE.has(t.text)) return true;
        if (t.kind === 'identifier' && FALSE.has(t.text)) return false;
        if (t.kind === 'integer' && integerLiteral(t.text) <= 1n) return integerLiteral(t.text) === 1n;
        return this.fail(t, what, `expected true or false at ${path}, found ${describe(t)}`);
      }
      case 'double':
      case 'float': {
        const neg = this.tk.trySymbol('-');
        const t = this.tk.next();
        let n: number;
        if (t.kind === 'float') n = Number(t.text.replace(/[fF]$/, ''));
        else if (t.kind === 'integer' && /^(0|[1-9][0-9]*)$/.test(t.text)) n = Number(t.text);
        else if (t.kind === 'integer') return this.fail(t, what, `a float or double is decimal, not ${t.text}`);
        else if (t.kind === 'identifier' && /^(inf|infinity)$/i.test(t.text)) n = Infinity;
        else if (t.kind === 'identifier' && /^nan$/i.test(t.text)) n = NaN;
        else return this.fail(t, what, `expected a number at ${path}, found ${describe(t)}`);
        if (neg) n = -n;
        return s === 'float' ? Math.fround(n) : n;
      }
      default: {
        const neg = this.tk.peek();
        const negative = this.tk.trySymbol('-');
        const t = this.tk.next();
        if (t.kind !== 'integer') this.fail(t, what, `expected an integer (${s}) at ${path}, found ${describe(t)}`);
        const [min, max] = INT_RANGE[s]!;
        if (negative && min === 0n) this.fail(neg, what, `${s} has no negative values (at ${path})`);
        const n = negative ? -integerLiteral(t.text) : integerLiteral(t.text);
        if (n < min || n > max)
          this.fail(t, what, `${negative ? '-' : ''}${t.text} is out of range for ${s} at ${path}`);
        return s.endsWith('64') ? n : Number(n);
      }
    }
  }

  enumValue(e: EnumSchema, what: string, path: string): number {
    const t = this.tk.peek();
    if (t.kind === 'identifier') {
      this.tk.next();
      const v = e.values.find((x) => x.name === t.text);
      if (v === undefined) this.fail(t, what, `"${t.text}" is not a value of enum ${e.typeName} (at ${path})`);
      return v.no;
    }
    const n = this.scalar({ kind: 'scalar', scalar: 'int32' }, what, path) as number;
    // A closed enum (proto2) holds only its own numbers (`closed` comes with the codec's proto2 schema).
    if ((e as EnumSchema & { closed?: boolean }).closed === true && !e.values.some((x) => x.no === n)) {
      this.fail(t, what, `${n} is not a value of the closed enum ${e.typeName} (at ${path})`);
    }
    return n;
  }

  /** Skips the value of a reserved field: a scalar, a message, or a list of either. */
  skipValue(): void {
    const colon = this.tk.trySymbol(':');
    const t = this.tk.peek();
    if (t.kind === 'symbol' && (t.text === '{' || t.text === '<')) return this.skipMessage();
    if (!colon) throw this.tk.error(`expected ":" or a message, found ${describe(t)}`, t);
    if (t.kind === 'symbol' && t.text === '[') {
      this.tk.next();
      if (this.tk.trySymbol(']')) return;
      do {
        const e = this.tk.peek();
        if (e.kind === 'symbol' && (e.text === '{' || e.text === '<')) this.skipMessage();
        else this.skipScalar();
      } while (this.tk.trySymbol(','));
      this.tk.expectSymbol(']');
      return;
    }
    this.skipScalar();
  }

  skipScalar(): void {
    this.tk.trySymbol('-');
    const t = this.tk.next();
    if (t.kind === 'string') while (this.tk.peek().kind === 'string') this.tk.next();
    else if (t.kind !== 'identifier' && t.kind !== 'integer' && t.kind !== 'float') {
      throw this.tk.error(`expected a value, found ${describe(t)}`, t);
    }
  }

  /** A `{ … }` or `< … >` skipped whole, its braces balanced (bounded like any nesting). */
  skipMessage(): void {
    const closers: string[] = [];
    do {
      const t = this.tk.next();
      if (t.kind === 'end') throw this.tk.error('the text ends inside a message', t);
      if (t.kind !== 'symbol') continue;
      if (t.text === '{' || t.text === '<') {
        if (closers.length >= MAX_DEPTH) throw this.tk.error(`nested deeper than ${MAX_DEPTH} levels`, t);
        closers.push(t.text === '{' ? '}' : '>');
      } else if (t.text === '}' || t.text === '>') {
        if (closers.pop() !== t.text) throw this.tk.error(`unbalanced "${t.text}"`, t);
      }
    } while (closers.length > 0);
  }

  /** `[...]`: an extension, `[pkg.ext]: value`, or an Any's `[type.googleapis.com/pkg.Msg] { … }`. */
  bracketed(
    schema: MessageSchema,
    out: Value,
    set: Map<number, string>,
    oneofs: Map<string, string>,
    path: string,
    depth: number,
  ): void {
    const open = this.tk.next();
    let name = '';
    for (;;) {
      const t = this.tk.next();
      if (t.kind === 'symbol' && t.text === ']') break;
      if (t.kind !== 'identifier' && !(t.kind === 'symbol' && (t.text === '.' || t.text === '/'))) {
        this.fail(t, schema.typeName, `expected a type or extension name inside [ ], found ${describe(t)}`);
      }
      name += t.text;
    }
    if (!name.includes('/')) {
      const extension = schema.fields.find((f) => f.extension === name);
      if (extension === undefined) {
        this.fail(open, schema.typeName, `[${name}]: no extension of that name extends ${schema.typeName}`);
      }
      return this.field(schema, out, set, oneofs, path, depth, {
        field: extension,
        at: { ...open, text: `[${name}]` },
      });
    }
    if (schema.typeName !== ANY) this.fail(open, schema.typeName, `[${name}] { … } is the form of an Any only`);
    if (set.size > 0) this.fail(open, ANY, `[${name}] given with type_url, value or another expanded Any`);
    set.set(1, 'type_url').set(2, 'value');
    const typeName = typeNameOfUrl(name);
    if (this.options.registry === undefined) this.fail(open, ANY, `no type registry was given to look up ${name} in`);
    const target = typeName === undefined ? undefined : this.options.registry.findMessage(typeName);
    if (target === undefined) this.fail(open, ANY, `the type ${name} is not in the type registry`);
    this.tk.trySymbol(':');
    const inner = this.message(target, join(path, `[${name}]`), depth + 1);
    out['typeUrl'] = name;
    try {
      out['value'] = codecFor(target).encode(inner);
    } catch (err) {
      this.fail(open, ANY, `the ${target.typeName} inside does not encode: ${(err as Error).message}`);
    }
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** What a map entry without a value holds. */
function defaultOf(v: MapValue): unknown {
  if (v.kind === 'message') return createValue(planFor(v.message));
  if (v.kind === 'enum') return 0;
  switch (v.scalar) {
    case 'string':
      return '';
    case 'bytes':
      return new Uint8Array(0);
    case 'bool':
      return false;
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return 0n;
    default:
      return 0;
  }
}
