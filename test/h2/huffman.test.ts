// The HPACK Huffman code (RFC 7541 §5.2, Appendix B): a fixed canonical prefix
// code, and the padding rules that make a string end cleanly on an octet.
import t from 'tap';
import { EOS, huffmanCode, huffmanDecode, huffmanEncode, huffmanLength } from '../../src/h2/huffman.js';

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s/g, ''), 'hex'));

function encode(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(huffmanLength(bytes));
  const end = huffmanEncode(bytes, out, 0);
  if (end !== out.length) throw new Error(`huffmanEncode wrote ${end} bytes, huffmanLength said ${out.length}`);
  return out;
}

function decode(bytes: Uint8Array): Uint8Array | undefined {
  const out = new Uint8Array(Math.ceil((bytes.length * 8) / 5));
  const n = huffmanDecode(bytes, 0, bytes.length, out);
  return n === undefined ? undefined : out.subarray(0, n);
}

t.test('codes rebuilt from the lengths are the ones Appendix B lists', async (t) => {
  // A few rows of the table, from each end and the middle: [symbol, code, bits].
  const rows: [number, number, number][] = [
    [0x30, 0x0, 5], // '0'
    [0x61, 0x3, 5], // 'a'
    [0x20, 0x14, 6], // ' '
    [0x77, 0x78, 7], // 'w'
    [0x26, 0xf8, 8], // '&'
    [0x00, 0x1ff8, 13],
    [0x7f, 0xffffffc, 28],
    [0x0a, 0x3ffffffc, 30], // '\n'
    [0xff, 0x3ffffee, 26],
    [EOS, 0x3fffffff, 30],
  ];
  for (const [symbol, code, bits] of rows) t.same(huffmanCode(symbol), [code, bits], `symbol ${symbol}`);
});

t.test('the code is a complete prefix code: Kraft sum exactly 1', async (t) => {
  let sum = 0;
  for (let s = 0; s <= EOS; s++) sum += 2 ** -huffmanCode(s)[1];
  t.equal(sum, 1);
});

t.test('strings of Appendix C encode and decode byte for byte', async (t) => {
  const cases: [string, string][] = [
    ['www.example.com', 'f1e3 c2e5 f23a 6ba0 ab90 f4ff'],
    ['no-cache', 'a8eb 1064 9cbf'],
    ['custom-key', '25a8 49e9 5ba9 7d7f'],
    ['custom-value', '25a8 49e9 5bb8 e8b4 bf'],
    ['302', '6402'],
    ['private', 'aec3 771a 4b'],
    ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff'],
    ['https://www.example.com', '9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3'],
    ['gzip', '9bd9 ab'],
  ];
  for (const [text, code] of cases) {
    t.equal(hex(encode(latin1(text))), hex(unhex(code)), `encode ${JSON.stringify(text)}`);
    t.same(decode(unhex(code)), latin1(text), `decode ${JSON.stringify(text)}`);
  }
});

t.test('every octet value round-trips, alone and all together', async (t) => {
  for (let b = 0; b < 256; b++) {
    const one = Uint8Array.of(b);
    const coded = encode(one);
    t.equal(coded.length, Math.ceil(huffmanCode(b)[1] / 8), `length of ${b}`);
    const back = decode(coded);
    if (back === undefined || back.length !== 1 || back[0] !== b) t.fail(`octet ${b} decoded as ${String(back)}`);
  }
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  t.same(decode(encode(all)), all, 'the 256 octets in one string');
});

t.test('random strings round-trip', async (t) => {
  let seed = 0x2545f491;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
  for (let i = 0; i < 500; i++) {
    const length = next() % 200;
    // Half the strings from header-like text (short codes), half any octet (long codes).
    const bytes = Uint8Array.from({ length }, () => (i % 2 === 0 ? 0x20 + (next() % 95) : next() & 0xff));
    const back = decode(encode(bytes));
    if (back === undefined || hex(back) !== hex(bytes)) {
      t.fail(`string ${i} (${hex(bytes)}) did not round-trip`);
      return;
    }
  }
  t.pass('500 strings');
});

t.test('a string may be encoded into the middle of a buffer, and decoded from it', async (t) => {
  const out = new Uint8Array(20).fill(0xaa);
  const end = huffmanEncode(latin1('xno-cachex'), out, 3, 1, 9);
  t.equal(end, 9);
  t.equal(hex(out.subarray(3, 9)), 'a8eb10649cbf');
  t.equal(out[2], 0xaa, 'nothing written before');
  t.equal(out[9], 0xaa, 'nothing written after');
  const text = new Uint8Array(16);
  t.equal(huffmanDecode(out, 3, 9, text), 8);
  t.same(text.subarray(0, 8), latin1('no-cache'));
});

t.test('the empty string is zero octets', async (t) => {
  t.equal(huffmanLength(new Uint8Array(0)), 0);
  t.same(decode(new Uint8Array(0)), new Uint8Array(0));
});

t.test('padding rules of §5.2: each bad case is a decoding error', async (t) => {
  // '0' is 00000 (5 bits): a one-octet string '0' is 00000|111.
  t.same(decode(unhex('07')), latin1('0'), '3 bits of ones: fine');
  t.equal(decode(unhex('06')), undefined, 'padding not all ones (00000110)');
  t.equal(decode(unhex('00')), undefined, 'padding of zeros that is no code (00000|000 is "0" plus 3 zero bits)');
  t.equal(decode(unhex('ff')), undefined, '8 bits of padding (a whole octet of ones)');
  t.equal(decode(unhex('07ff')), undefined, 'a valid octet then a whole octet of padding: 11 bits');
  // 'a' (00011) + 'a' + padding of 6 ones = 0001100011|111111 = 18 c0|3f → 0x18 0xff? Compute:
  // 00011 00011 111111 → 00011000 11111111: two octets.
  t.same(decode(unhex('18ff')), latin1('aa'), '6 bits of ones');
  t.same(decode(unhex('1f')), latin1('a'), '00011|111: 3 bits of ones');
  t.equal(decode(unhex('1e')), undefined, '00011|110: not all ones');
  // EOS (30 ones) encoded explicitly, then padding to the octet: 32 bits of ones.
  t.equal(decode(unhex('ffffffff')), undefined, 'EOS in the string');
  // '0' then EOS then padding: 00000 + 30 ones + 5 ones = 40 bits.
  t.equal(decode(unhex('07ffffffff')), undefined, 'EOS after a symbol');
  // 7 ones, then a 23-bit code's prefix cut short: 0x01 is 23 bits; cut it.
  t.equal(decode(unhex('fffe')), undefined, 'a long code cut off by the end');
});
