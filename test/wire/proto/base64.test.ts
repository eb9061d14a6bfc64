// Base64 (RFC 4648) without Buffer. gRPC writes -bin metadata unpadded and must
// read padded and unpadded; proto3 JSON writes padded and reads URL-safe too.
import t from 'tap';
import { decodeBase64, encodeBase64 } from '../../../src/wire/proto/base64.js';

const bytes = (s: string) => new TextEncoder().encode(s);

// RFC 4648 section 10 test vectors.
const vectors: [string, string][] = [
  ['', ''],
  ['f', 'Zg=='],
  ['fo', 'Zm8='],
  ['foo', 'Zm9v'],
  ['foob', 'Zm9vYg=='],
  ['fooba', 'Zm9vYmE='],
  ['foobar', 'Zm9vYmFy'],
];

t.test('RFC 4648 vectors, padded', async (t) => {
  for (const [plain, encoded] of vectors) {
    t.equal(encodeBase64(bytes(plain)), encoded);
    t.same(decodeBase64(encoded), bytes(plain));
  }
});

t.test('unpadded: what gRPC writes for -bin metadata', async (t) => {
  for (const [plain, encoded] of vectors) {
    const bare = encoded.replace(/=+$/, '');
    t.equal(encodeBase64(bytes(plain), { pad: false }), bare);
    t.same(decodeBase64(bare), bytes(plain), 'unpadded input is read too');
  }
});

t.test('the standard and the URL-safe alphabet', async (t) => {
  const all = new Uint8Array([0xfb, 0xff, 0xbf, 0xfe]);
  t.equal(encodeBase64(all), '+/+//g==');
  t.equal(encodeBase64(all, { url: true, pad: false }), '-_-__g');
  t.same(decodeBase64('+/+//g=='), all);
  t.same(decodeBase64('-_-__g'), all);
});

t.test('every byte value survives a round trip, whatever the length', async (t) => {
  const data = new Uint8Array(256).map((_, i) => i);
  for (let len = 0; len <= 7; len++) {
    const slice = data.subarray(256 - len);
    t.same(decodeBase64(encodeBase64(slice)), slice);
    t.same(decodeBase64(encodeBase64(slice, { pad: false })), slice);
  }
  t.same(decodeBase64(encodeBase64(data)), data);
  t.equal(encodeBase64(data), Buffer.from(data).toString('base64'), 'agrees with Node');
});

t.test('anything else is undefined, never an exception', async (t) => {
  const bad = [
    'A', // one character is not a whole byte
    'AAAAA', // nor is 4n+1
    'Zg=', // padding, but not to a multiple of four
    'Zg===', // too much padding
    '=',
    '==',
    '====',
    'Z=g=', // padding inside
    'Zm9v YmFy', // whitespace
    'Zm9v\n',
    'Zm9v!',
    'Zé==',
    '\u0100AAA',
    'AA\u0000A',
    'Zm9vYg==Zm9v', // data after padding
  ];
  for (const text of bad) t.equal(decodeBase64(text), undefined, JSON.stringify(text));
});

t.test('decoding is lenient about the unused low bits of the last character', async (t) => {
  t.same(decodeBase64('Zh'), bytes('f'), '"Zh" and "Zg" both mean "f", as in Go\'s default decoder');
});
