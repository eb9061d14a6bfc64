/**
 * The tokens of protobuf's text format (protobuf.dev/reference/protobuf/textformat-spec),
 * read one at a time with one token of lookahead:
 *
 *   identifier  [A-Za-z_][A-Za-z0-9_]*                      name, true, inf, ENUM_VALUE
 *   integer     0 | [1-9][0-9]* | 0[0-7]+ | 0[xX][0-9a-fA-F]+ 12, 017, 0x1F
 *   float       [0-9]+ . [0-9]* exp? [fF]? | . [0-9]+ exp? [fF]? | [0-9]+ exp [fF]? | [0-9]+ [fF]
 *   string      "…" or '…' with C escapes: \a \b \f \n \r \t \v \\ \' \" \?, \ooo (octal),
 *               \xh or \xhh, \uhhhh, \Uhhhhhhhh (a code point, as UTF-8; no surrogates); no raw newline
 *   symbol      { } < > [ ] : , ; / . -
 *   whitespace and # comments (to the end of the line) between tokens
 *
 * A string token's value is its bytes (escapes decoded, other characters as
 * UTF-8): a `bytes` field takes them as they are, a `string` field checks
 * that they are UTF-8. A number followed directly by a letter (`1x`) or a
 * leading-zero decimal (`09`) is an error, as in protobuf's tokenizer.
 */
import { ProtoError } from './error.js';
import { utf8Encode } from './utf8.js';

export type TokenKind = 'identifier' | 'integer' | 'float' | 'string' | 'symbol' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** The token as written (for a string: with its quotes and escapes). */
  readonly text: string;
  /** A string token's bytes. */
  readonly bytes?: Uint8Array;
  readonly line: number;
  readonly column: number;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER =
  /(?:0[xX][0-9a-fA-F]+|(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fF]?|[0-9]+[eE][+-]?[0-9]+[fF]?|[0-9]+[fF]?)/y;
const SYMBOLS = '{}<>[]:,;/.-';

export class Tokenizer {
  #pos = 0;
  #line = 1;
  #lineStart = 0;
  #peeked: Token | undefined;

  constructor(readonly text: string) {}

  /** An error at a token (or where the tokenizer is), saying the line and column. */
  error(problem: string, at?: { line: number; column: number }): ProtoError {
    const line = at?.line ?? this.#line;
    const column = at?.column ?? this.#pos - this.#lineStart + 1;
    return new ProtoError('text', `invalid text format at line ${line}, column ${column}: ${problem}`);
  }

  peek(): Token {
    this.#peeked ??= this.#read();
    return this.#peeked;
  }

  next(): Token {
    const t = this.peek();
    this.#peeked = undefined;
    return t;
  }

  /** Takes the next token when it is the symbol `s`. */
  trySymbol(s: string): boolean {
    const t = this.peek();
    if (t.kind !== 'symbol' || t.text !== s) return false;
    this.next();
    return true;
  }

  expectSymbol(s: string): Token {
    const t = this.next();
    if (t.kind !== 'symbol' || t.text !== s) throw this.error(`expected "${s}", found ${describe(t)}`, t);
    return t;
  }

  #skipSpaceAndComments(): void {
    const t = this.text;
    for (;;) {
      const c = t[this.#pos];
      if (c === '\n') {
        this.#pos++;
        this.#line++;
        this.#lineStart = this.#pos;
      } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') this.#pos++;
      else if (c === '#') {
        const nl = t.indexOf('\n', this.#pos);
        this.#pos = nl < 0 ? t.length : nl;
      } else return;
    }
  }

  #read(): Token {
    this.#skipSpaceAndComments();
    const t = this.text;
    const start = this.#pos;
    const at = { line: this.#line, column: start - this.#lineStart + 1 };
    if (start >= t.length) return { kind: 'end', text: '', ...at };
    const c = t[start]!;
    if (/[A-Za-z_]/.test(c)) {
      IDENT.lastIndex = start;
      const word = IDENT.exec(t)![0];
      this.#pos += word.length;
      return { kind: 'identifier', text: word, ...at };
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(t[start + 1] ?? ''))) return this.#number(start, at);
    if (c === '"' || c === "'") return this.#string(start, at);
    if (SYMBOLS.includes(c)) {
      this.#pos++;
      return { kind: 'symbol', text: c, ...at };
    }
    throw this.error(`unexpected character ${JSON.stringify(c)}`);
  }

  #number(start: number, at: { line: number; column: number }): Token {
    NUMBER.lastIndex = start;
    const text = NUMBER.exec(this.text)![0];
    this.#pos += text.length;
    if (/[A-Za-z0-9_.]/.test(this.text[this.#pos] ?? '')) {
      throw this.error(
        `a number must not run into the next token: ${JSON.stringify(this.text.slice(start, this.#pos + 1))}`,
        at,
      );
    }
    const isHex = /^0[xX]/.test(text);
    const isFloat = !isHex && /[.eEfF]/.test(text);
    if (!isFloat && !isHex && /^0[0-9]/.test(text) && /[89]/.test(text)) {
      throw this.error(`a number with a leading zero is octal: ${text}`, at);
    }
    return { kind: isFloat ? 'float' : 'integer', text, ...at };
  }

  #string(start: number, at: { line: number; column: number }): Token {
    const t = this.text;
    const quote = t[start]!;
    const bytes: number[] = [];
    let p = start + 1;
    const fail = (problem: string): never => {
      this.#pos = p;
      throw this.error(problem, at);
    };
    for (;;) {
      if (p >= t.length) fail('unterminated string');
      const c = t[p]!;
      if (c === quote) break;
      if (c === '\n') fail('a string must not span lines (write \\n)');
      if (c !== '\\') {
        const code = t.codePointAt(p)!;
        if (code >= 0xd800 && code <= 0xdfff) fail('unpaired surrogate in a string');
        const ch = String.fromCodePoint(code);
        for (const b of utf8Encode(ch)) bytes.push(b);
        p += ch.length;
        continue;
      }
      const e = t[p + 1] ?? '';
      p += 2;
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) bytes.push(simple);
      else if (/[0-7]/.test(e)) {
        let n = Number(e);
        for (let i = 0; i < 2 && /[0-7]/.test(t[p] ?? ''); i++) n = n * 8 + Number(t[p++]);
        if (n > 0xff) fail(`octal escape \\${n.toString(8)} is beyond \\377`);
        bytes.push(n);
      } else if (e === 'x' || e === 'X') {
        const m = /^[0-9a-fA-F]{1,2}/.exec(t.slice(p, p + 2));
        if (m === null) fail('\\x needs one or two hex digits');
        bytes.push(parseInt(m![0], 16));
        p += m![0].length;
      } else if (e === 'u' || e === 'U') {
        const width = e === 'u' ? 4 : 8;
        const hex = t.slice(p, p + width);
        if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) fail(`\\${e} needs ${width} hex digits`);
        p += width;
        const code = parseInt(hex, 16);
        // No surrogates, not even as a pair of \u escapes: an escape names a code point, as protobuf reads it.
        if (code >= 0xd800 && code <= 0xdfff) fail(`\\${e}${hex} is a surrogate, not a code point`);
        if (code > 0x10ffff) fail(`\\${e}${hex} is beyond U+10FFFF`);
        for (const b of utf8Encode(String.fromCodePoint(code))) bytes.push(b);
      } else fail(`unknown escape \\${e}`);
    }
    this.#pos = p + 1;
    return { kind: 'string', text: t.slice(start, p + 1), bytes: Uint8Array.from(bytes), ...at };
  }
}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  '\\': 0x5c,
  "'": 0x27,
  '"': 0x22,
  '?': 0x3f,
};

/** A token as an error message shows it. */
export function describe(t: Token): string {
  return t.kind === 'end' ? 'the end of the text' : `${t.kind} ${JSON.stringify(t.text.slice(0, 40))}`;
}
