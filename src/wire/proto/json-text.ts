/**
 * JSON text (RFC 8259) both ways, for fromJsonString / toJsonString.
 *
 *   value   = object / array / string / number / "true" / "false" / "null"
 *   object  = "{" [ string ":" value *( "," string ":" value ) ] "}"
 *   number  = [ "-" ] ( "0" / [1-9] *DIGIT ) [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ]
 *   string  = '"' *( unescaped / "\" ( '"' / "\" / "/" / "b" / "f" / "n" / "r" / "t" / "u" 4HEXDIG ) ) '"'
 *
 * Our own parser rather than JSON.parse, because JSON.parse loses what the
 * protobuf JSON mapping must see: `-1.89769e+308` becomes -Infinity (here: an
 * error, the number is out of double range), `9007199254740993` becomes
 * ...992 (here: an integer literal beyond ±2^53 stays an exact bigint), a lone
 * surrogate `"\ud800"` passes (here: an error, it is no Unicode text), and a
 * key given twice keeps the last value (here: an error). Nesting is bounded
 * (MAX_DEPTH) so hostile input cannot exhaust the stack.
 *
 * The writer is JSON.stringify's output, except that -0 stays "-0" (protobuf
 * prints it; JSON.stringify writes 0).
 */
import { ProtoError } from './error.js';
import type { JsonInput, JsonValue } from './json-types.js';

/** Nesting limit of arrays and objects, as protobuf's own JSON parser has (100). */
export const MAX_DEPTH = 100;

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class JsonParser {
  pos = 0;
  constructor(readonly text: string) {}

  fail(problem: string, at = this.pos): never {
    const before = this.text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    throw new ProtoError('json', `invalid JSON text at line ${line}, column ${column}: ${problem}`);
  }

  skipSpace(): void {
    const t = this.text;
    let p = this.pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  expect(ch: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== ch) this.fail(`expected '${ch}', found ${this.found()}`);
    this.pos++;
  }

  found(): string {
    return this.pos >= this.text.length
      ? 'the end of the text'
      : JSON.stringify(this.text.slice(this.pos, this.pos + 10));
  }

  value(depth: number): JsonInput {
    this.skipSpace();
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.object(depth + 1);
      case '[':
        return this.array(depth + 1);
      case '"':
        return this.string();
      case 't':
        return this.word('true', true);
      case 'f':
        return this.word('false', false);
      case 'n':
        return this.word('null', null);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
        return this.fail(`expected a value, found ${this.found()}`);
    }
  }

  word<T extends JsonInput>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`expected a value, found ${this.found()}`);
    this.pos += word.length;
    return value;
  }

  number(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (m === null) return this.fail(`malformed number ${this.found()}`);
    const start = this.pos;
    this.pos += m[0].length;
    const n = Number(m[0]);
    if (!Number.isFinite(n)) this.fail(`${m[0]} is out of the range of a double`, start);
    // An integer literal a double cannot hold exactly stays exact (int64 / uint64 fields need every digit).
    if (m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(n)) return BigInt(m[0]);
    return n;
  }

  string(): string {
    const t = this.text;
    let p = this.pos + 1; // after the opening quote
    let out = '';
    let run = p;
    for (;;) {
      if (p >= t.length) this.fail('unterminated string', this.pos);
      const c = t.charCodeAt(p);
      if (c === 0x22) break;
      if (c < 0x20) this.fail(`control character U+${c.toString(16).padStart(4, '0')} in a string`, p);
      if (c === 0x5c) {
        out += t.slice(run, p);
        const [decoded, next] = this.escape(p);
        out += decoded;
        p = next;
        run = p;
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = t.charCodeAt(p + 1);
        if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) this.fail('unpaired surrogate in a string', p);
        p += 2;
        continue;
      }
      p++;
    }
    out += t.slice(run, p);
    this.pos = p + 1;
    return out;
  }

  /** The escape at `p` (a backslash): its text, and the position after it. */
  escape(p: number): [string, number] {
    const t = this.text;
    const e = t[p + 1];
    switch (e) {
      case '"':
      case '\\':
      case '/':
        return [e, p + 2];
      case 'b':
        return ['\b', p + 2];
      case 'f':
        return ['\f', p + 2];
      case 'n':
        return ['\n', p + 2];
      case 'r':
        return ['\r', p + 2];
      case 't':
        return ['\t', p + 2];
      case 'u': {
        const hi = this.hex4(p + 2);
        if (hi < 0xd800 || hi > 0xdfff) return [String.fromCharCode(hi), p + 6];
        const lo = t[p + 6] === '\\' && t[p + 7] === 'u' ? this.hex4(p + 8) : -1;
        if (hi > 0xdbff || lo < 0xdc00 || lo > 0xdfff) this.fail('unpaired surrogate escape in a string', p);
        return [String.fromCharCode(hi, lo), p + 12];
      }
      default:
        return this.fail(`bad escape ${JSON.stringify(t.slice(p, p + 2))} in a string`, p);
    }
  }

  hex4(p: number): number {
    const h = this.text.slice(p, p + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) this.fail(`bad \\u escape ${JSON.stringify(`\\u${h}`)}`, p - 2);
    return parseInt(h, 16);
  }

  array(depth: number): JsonInput[] {
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    this.pos++;
    const out: JsonInput[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      this.skipSpace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return out;
      if (c !== ',') this.fail(`expected ',' or ']', found ${(this.pos--, this.found())}`);
    }
  }

  object(depth: number): { [key: string]: JsonInput } {
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    this.pos++;
    // No prototype: a key "__proto__" is a key like any other.
    const out = Object.create(null) as { [key: string]: JsonInput };
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail(`expected a key (a string), found ${this.found()}`);
      const at = this.pos;
      const key = this.string();
      if (Object.prototype.hasOwnProperty.call(out, key)) this.fail(`key ${JSON.stringify(key)} appears twice`, at);
      this.expect(':');
      out[key] = this.value(depth);
      this.skipSpace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return out;
      if (c !== ',') this.fail(`expected ',' or '}', found ${(this.pos--, this.found())}`);
    }
  }
}

/** Parses one JSON document (surrounding whitespace allowed). Throws ProtoError('json') saying where it is wrong. */
export function parseJsonText(text: string): JsonInput {
  const p = new JsonParser(text);
  const value = p.value(0);
  p.skipSpace();
  if (p.pos !== text.length) p.fail(`unexpected ${p.found()} after the value`);
  return value;
}

/** JSON text of a value, as JSON.stringify writes it but with -0 kept; `indent` spaces per level, one line when absent. */
export function writeJsonText(value: JsonValue, indent?: number): string {
  return write(value, indent === undefined || indent <= 0 ? '' : ' '.repeat(indent), '\n');
}

function write(v: JsonValue, step: string, nl: string): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ProtoError('json', `cannot write ${v} as a JSON number`);
    return v === 0 && 1 / v < 0 ? '-0' : String(v);
  }
  const inner = step === '' ? '' : nl + step;
  const sep = step === '' ? ',' : `,${inner}`;
  const close = step === '' ? '' : nl;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${inner}${v.map((e) => write(e, step, inner)).join(sep)}${close}]`;
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return '{}';
  const colon = step === '' ? ':' : ': ';
  return `{${inner}${keys.map((k) => JSON.stringify(k) + colon + write(v[k]!, step, inner)).join(sep)}${close}}`;
}
