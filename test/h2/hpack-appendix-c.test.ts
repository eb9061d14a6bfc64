// RFC 7541 Appendix C, byte for byte: every example encoded by HpackEncoder and
// decoded by HpackDecoder, with the dynamic table (newest first) and its size
// after each block.
import t, { type Test } from 'tap';
import { HpackDecoder } from '../../src/h2/hpack-decoder.js';
import { HpackEncoder, type HpackEncoderOptions } from '../../src/h2/hpack-encoder.js';
import { BlockReader, BlockWriter } from '../../src/h2/hpack-primitives.js';

const unhex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s/g, ''), 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

interface Step {
  block: string;
  headers: string[];
  table: [string, string][];
  size: number;
}

/** Encodes and decodes a series of blocks on one connection, checking bytes, lists and both tables. */
function series(t: Test, steps: Step[], tableSize: number, huffman: 'always' | 'never'): void {
  const options: HpackEncoderOptions = { maxTableSize: tableSize, huffman, sensitive: [], unindexed: [] };
  const encoder = new HpackEncoder(options);
  const decoder = new HpackDecoder({ maxTableSize: tableSize });
  steps.forEach((step, i) => {
    const block = unhex(step.block);
    t.equal(hex(encoder.encode(step.headers)), hex(block), `block ${i + 1} encodes byte for byte`);
    t.same(encoder.table.entries(), step.table, `block ${i + 1}: encoder table`);
    t.equal(encoder.table.size, step.size, `block ${i + 1}: encoder table size`);
    t.same(decoder.decode(block), step.headers, `block ${i + 1} decodes`);
    t.same(decoder.table.entries(), step.table, `block ${i + 1}: decoder table`);
    t.equal(decoder.table.size, step.size, `block ${i + 1}: decoder table size`);
  });
}

t.test('C.1 integers: 10 and 1337 with a 5-bit prefix, 42 on an octet boundary', async (t) => {
  const cases: [number, number, string][] = [
    [10, 5, '0a'],
    [1337, 5, '1f9a0a'],
    [42, 8, '2a'],
  ];
  for (const [value, prefix, wire] of cases) {
    const w = new BlockWriter();
    w.integer(value, prefix, 0);
    t.equal(hex(w.take()), wire, `${value} written`);
    const r = new BlockReader();
    r.reset(unhex(wire));
    t.equal(r.integer(prefix), value, `${value} read`);
    t.ok(r.done);
  }
});

t.test('C.2 single fields of each representation', async (t) => {
  const cases: [string, string[], HpackEncoderOptions, string, [string, string][]][] = [
    [
      'C.2.1 literal with indexing',
      ['custom-key', 'custom-header'],
      {},
      '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572',
      [['custom-key', 'custom-header']],
    ],
    [
      'C.2.2 literal without indexing',
      [':path', '/sample/path'],
      { unindexed: [':path'] },
      '040c 2f73 616d 706c 652f 7061 7468',
      [],
    ],
    [
      'C.2.3 literal never indexed',
      ['password', 'secret'],
      { sensitive: ['password'] },
      '1008 7061 7373 776f 7264 0673 6563 7265 74',
      [],
    ],
    ['C.2.4 indexed', [':method', 'GET'], {}, '82', []],
  ];
  for (const [what, headers, options, wire, table] of cases) {
    const encoder = new HpackEncoder({ huffman: 'never', sensitive: [], unindexed: [], ...options });
    t.equal(hex(encoder.encode(headers)), hex(unhex(wire)), `${what}: encoded`);
    t.same(encoder.table.entries(), table, `${what}: encoder table`);
    const decoder = new HpackDecoder();
    t.same(decoder.decode(unhex(wire)), headers, `${what}: decoded`);
    t.same(decoder.table.entries(), table, `${what}: decoder table`);
    t.same(decoder.neverIndexed, what.includes('never') ? [0] : [], `${what}: never-indexed fields named`);
  }
  t.equal(new HpackDecoder().table.size, 0);
});

const requests = (h: boolean): Step[] => [
  {
    block: h ? '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff' : '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
    headers: [':method', 'GET', ':scheme', 'http', ':path', '/', ':authority', 'www.example.com'],
    table: [[':authority', 'www.example.com']],
    size: 57,
  },
  {
    block: h ? '8286 84be 5886 a8eb 1064 9cbf' : '8286 84be 5808 6e6f 2d63 6163 6865',
    headers: [
      ':method',
      'GET',
      ':scheme',
      'http',
      ':path',
      '/',
      ':authority',
      'www.example.com',
      'cache-control',
      'no-cache',
    ],
    table: [
      ['cache-control', 'no-cache'],
      [':authority', 'www.example.com'],
    ],
    size: 110,
  },
  {
    block: h
      ? '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'
      : '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
    headers: [
      ':method',
      'GET',
      ':scheme',
      'https',
      ':path',
      '/index.html',
      ':authority',
      'www.example.com',
      'custom-key',
      'custom-value',
    ],
    table: [
      ['custom-key', 'custom-value'],
      ['cache-control', 'no-cache'],
      [':authority', 'www.example.com'],
    ],
    size: 164,
  },
];

t.test('C.3 requests without Huffman coding', async (t) => series(t, requests(false), 4096, 'never'));
t.test('C.4 requests with Huffman coding', async (t) => series(t, requests(true), 4096, 'always'));

const date1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const date2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const cookie = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const location = 'https://www.example.com';
const responses = (h: boolean): Step[] => [
  {
    block: h
      ? `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
         2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`
      : `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
         2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`,
    headers: [':status', '302', 'cache-control', 'private', 'date', date1, 'location', location],
    table: [
      ['location', location],
      ['date', date1],
      ['cache-control', 'private'],
      [':status', '302'],
    ],
    size: 222,
  },
  {
    block: h ? '4883 640e ffc1 c0bf' : '4803 3330 37c1 c0bf',
    headers: [':status', '307', 'cache-control', 'private', 'date', date1, 'location', location],
    table: [
      [':status', '307'],
      ['location', location],
      ['date', date1],
      ['cache-control', 'private'],
    ],
    size: 222,
  },
  {
    block: h
      ? `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
         77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
         9587 3160 65c0 03ed 4ee5 b106 3d50 07`
      : `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
         54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
         5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31`,
    headers: [
      ':status',
      '200',
      'cache-control',
      'private',
      'date',
      date2,
      'location',
      location,
      'content-encoding',
      'gzip',
      'set-cookie',
      cookie,
    ],
    table: [
      ['set-cookie', cookie],
      ['content-encoding', 'gzip'],
      ['date', date2],
    ],
    size: 215,
  },
];

t.test('C.5 responses without Huffman coding, table size 256 (evictions)', async (t) =>
  series(t, responses(false), 256, 'never'),
);
t.test('C.6 responses with Huffman coding, table size 256 (evictions)', async (t) =>
  series(t, responses(true), 256, 'always'),
);
