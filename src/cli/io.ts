/**
 * Terminal plumbing shared by the verbs: hex in and out, reading stdin a line
 * at a time, and writing stdout with backpressure (so `wiregrpc decode <
 * big.hex | head` neither buffers everything nor loses output).
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** What a verb reads and writes; tests and main pass process streams. */
export interface Io {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

const HEX_DIGITS = '0123456789abcdef';

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX_DIGITS[byte >> 4]! + HEX_DIGITS[byte & 15]!;
  return out;
}

/**
 * Hex text → bytes. Whitespace between digits is ignored (`08 01` = `0801`),
 * either case is fine; anything else throws an Error that says what and where.
 */
export function fromHex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  if (digits.length % 2 !== 0) throw new Error(`hex has an odd number of digits (${digits.length})`);
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < digits.length; i += 2) {
    const hi = hexValue(digits.charCodeAt(i));
    const lo = hexValue(digits.charCodeAt(i + 1));
    if (hi < 0 || lo < 0) {
      const bad = hi < 0 ? i : i + 1;
      throw new Error(`not a hex digit: ${JSON.stringify(digits[bad])} at position ${bad + 1}`);
    }
    bytes[i / 2] = (hi << 4) | lo;
  }
  return bytes;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}

/** Lines of a stream (without their `\n` / `\r\n`), numbered from 1. */
export async function* lines(input: Readable): AsyncGenerator<[number, string]> {
  const reader = createInterface({ input, crlfDelay: Infinity });
  let no = 0;
  try {
    for await (const line of reader) yield [++no, line];
  } finally {
    reader.close();
  }
}

/**
 * Writes lines to a stream. Lines written in the same turn of the event loop
 * (say, every message decoded from one chunk of stdin) go out as one write
 * (cork, then uncork on setImmediate), yet an interactive user still sees each
 * answer at once. When the stream's buffer is full, `line` waits for 'drain'.
 */
export class LineWriter {
  readonly #out: Writable;
  #corked = false;

  constructor(out: Writable) {
    this.#out = out;
  }

  async line(text: string): Promise<void> {
    if (!this.#corked) {
      this.#corked = true;
      this.#out.cork();
      setImmediate(() => {
        this.#corked = false;
        this.#out.uncork();
      });
    }
    if (!this.#out.write(text + '\n')) await drained(this.#out);
  }
}

function drained(out: Writable): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      out.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    out.on('drain', done).on('close', done).on('error', done);
  });
}
