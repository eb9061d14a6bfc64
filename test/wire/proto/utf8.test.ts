// utf8.ts: the short-string paths (JavaScript loops) must agree with the
// platform's strict TextDecoder/TextEncoder at every length and every position
// of a non-ASCII or invalid byte, since the paths split at 8-byte blocks.
import t from 'tap';
import { utf8Decode, utf8Length, utf8Write } from '../../../src/wire/proto/utf8.js';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

function oracle(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}

/** `bytes` placed inside a larger buffer, so that start/end offsets are exercised. */
function decodeAt(bytes: Uint8Array): string | undefined {
  const buf = new Uint8Array(bytes.length + 6).fill(0x41);
  buf.set(bytes, 3);
  return utf8Decode(buf, 3, 3 + bytes.length);
}

t.test('ASCII of every length up to past the short limit decodes and encodes like the platform', async (t) => {
  for (let n = 0; n <= 70; n++) {
    const text = Array.from({ length: n }, (_, i) => String.fromCharCode(32 + ((i * 7) % 95))).join('');
    const bytes = encoder.encode(text);
    t.equal(decodeAt(bytes), text, `decode, ${n} bytes`);
    const out = new Uint8Array(3 * n + 4);
    t.equal(utf8Write(text, out, 2), 2 + n, `encode, ${n} bytes: the end`);
    t.same(out.subarray(2, 2 + n), bytes, `encode, ${n} bytes: the bytes`);
  }
});

t.test('a non-ASCII character at every position of short strings', async (t) => {
  for (const ch of ['é', '–', '😀', '\uffff']) {
    for (let n = 0; n <= 20; n++) {
      for (let at = 0; at <= n; at++) {
        const text = 'a'.repeat(at) + ch + 'b'.repeat(n - at);
        const bytes = encoder.encode(text);
        t.equal(decodeAt(bytes), text, `decode ${JSON.stringify(text)}`);
        const out = new Uint8Array(3 * text.length);
        const end = utf8Write(text, out, 0);
        t.equal(end, utf8Length(text));
        t.same(out.subarray(0, end), bytes, `encode ${JSON.stringify(text)}`);
      }
    }
  }
});

t.test(
  'invalid UTF-8 at every position of short strings is rejected, as the strict platform decoder does',
  async (t) => {
    const bad = [[0x80], [0xc0, 0x80], [0xe2, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff]];
    for (const seq of bad) {
      for (let n = 0; n <= 17; n++) {
        for (let at = 0; at <= n; at++) {
          const bytes = new Uint8Array([
            ...encoder.encode('x'.repeat(at)),
            ...seq,
            ...encoder.encode('y'.repeat(n - at)),
          ]);
          t.equal(oracle(bytes), undefined, 'the platform rejects it');
          t.equal(decodeAt(bytes), undefined, `[${seq.map((b) => b.toString(16))}] after ${at} of ${n} ASCII bytes`);
        }
      }
    }
  },
);

t.test('a lone surrogate encodes as U+FFFD, as TextEncoder does', async (t) => {
  for (const text of ['\ud800', 'ab\udc00', 'abcdefghij\ud83d']) {
    const out = new Uint8Array(3 * text.length);
    const end = utf8Write(text, out, 0);
    t.same(out.subarray(0, end), encoder.encode(text), JSON.stringify(text));
  }
});
