// HPACK beyond Appendix C: the decoder's errors (their code and scope), size
// updates in both directions, the header-list limit cutting a bomb early, and the
// encoder's choices (Huffman when shorter, never-indexed names, what it indexes).
import t from 'tap';
import { ErrorCode, H2Error } from '../../src/h2/errors.js';
import { HpackDecoder } from '../../src/h2/hpack-decoder.js';
import { HpackEncoder } from '../../src/h2/hpack-encoder.js';
import { BlockWriter } from '../../src/h2/hpack-primitives.js';
import { DynamicTable } from '../../src/h2/hpack-table.js';

const unhex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s/g, ''), 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function errorOf(fn: () => unknown): H2Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof H2Error) return err;
    throw err;
  }
  throw new Error('no error thrown');
}

/** A block built by hand: each part an integer (value, prefix, flags) or a raw string literal. */
function block(...parts: ([number, number, number] | string)[]): Uint8Array {
  const w = new BlockWriter();
  for (const p of parts) {
    if (typeof p === 'string') w.string(p, 'never');
    else w.integer(p[0], p[1], p[2]);
  }
  return w.take();
}

t.test('decoding errors that break the shared table are connection COMPRESSION_ERRORs', async (t) => {
  const cases: [string, Uint8Array, HpackDecoder?][] = [
    ['index 0', unhex('80')],
    ['an index past the static table with an empty dynamic one', unhex('be')],
    ['a name index past the tables', block([70, 6, 0x40], 'v')],
    ['a string longer than the block', unhex('4005 6162')],
    ['a block ending inside an integer', unhex('ff')],
    ['a block ending before the value', block([0, 6, 0x40], 'name')],
    ['an integer over 32 bits', unhex('ff ff ff ff ff 7f')],
    ['an integer of endless continuation octets', unhex('ff 80 80 80 80 80 80 80 80 00')],
    ['bad Huffman padding in a value', unhex('4181 00')],
    ['a Huffman string holding EOS', unhex('0001 84 ffffffff')],
    ['a size update above SETTINGS_HEADER_TABLE_SIZE', block([4097, 5, 0x20])],
    ['a size update after a field', block([2, 7, 0x80], [0, 5, 0x20])],
  ];
  for (const [what, bytes] of cases) {
    const err = errorOf(() => new HpackDecoder().decode(bytes));
    t.same([err.code, err.scope, err.fault], [ErrorCode.COMPRESSION_ERROR, 'connection', 'peer'], what);
  }
});

t.test('size updates: at the start of a block, two in a row allowed, evicting as they go', async (t) => {
  const d = new HpackDecoder();
  d.decode(block([0, 6, 0x40], 'a', 'b', [0, 6, 0x40], 'c', 'd'));
  t.equal(d.table.length, 2);
  t.same(d.decode(block([0, 5, 0x20], [100, 5, 0x20], [2, 7, 0x80])), [':method', 'GET']);
  t.equal(d.table.length, 0, 'size 0 emptied the table');
  t.equal(d.table.maxSize, 100);
  t.same(d.decode(block([0, 5, 0x20])), [], 'a block of only a size update is an empty list');
});

t.test('after we lower SETTINGS_HEADER_TABLE_SIZE, the next block must begin with a size update (§4.2)', async (t) => {
  const d = new HpackDecoder();
  d.setMaxTableSize(1000);
  const err = errorOf(() => d.decode(unhex('82')));
  t.same([err.code, err.scope], [ErrorCode.COMPRESSION_ERROR, 'connection']);
  const d2 = new HpackDecoder();
  d2.setMaxTableSize(1000);
  t.equal(errorOf(() => d2.decode(block([1001, 5, 0x20], [2, 7, 0x80]))).code, ErrorCode.COMPRESSION_ERROR, 'too big');
  t.same(d2.decode(block([800, 5, 0x20], [2, 7, 0x80])), [':method', 'GET'], 'an update within the new limit');
  t.same(d2.decode(unhex('82')), [':method', 'GET'], 'and only once');
  const d3 = new HpackDecoder();
  d3.setMaxTableSize(8192);
  t.same(d3.decode(unhex('82')), [':method', 'GET'], 'raising the limit asks for nothing');
});

t.test('the header-list limit: a stream error after the block, the table still in step', async (t) => {
  // One large entry, then a block of many one-octet references to it: an HPACK bomb.
  const big = 'x'.repeat(4000);
  const d = new HpackDecoder({ maxHeaderListSize: 16_384 });
  t.same(d.decode(block([0, 6, 0x40], 'bomb', big)), ['bomb', big]);
  const bomb = new Uint8Array(10_000).fill(0xbe); // index 62, ten thousand times: 40 MB of header list
  const err = errorOf(() => d.decode(bomb, 5));
  t.same([err.code, err.scope, err.streamId], [ErrorCode.ENHANCE_YOUR_CALM, 'stream', 5]);
  // Fields past the limit still reach the table, so the next block decodes against the peer's state.
  const after = block([0, 6, 0x40], 'a', 'b');
  errorOf(() => d.decode(new Uint8Array([...new Uint8Array(5).fill(0xbe), ...after]), 7));
  t.same(d.table.entries()[0], ['a', 'b'], 'an entry added after the limit was passed is in the table');
  t.same(d.decode(unhex('be bf')), ['a', 'b', 'bomb', big], 'the next block decodes');
});

t.test('malformed fields (RFC 9113 §8.2): stream PROTOCOL_ERROR, the connection goes on', async (t) => {
  const cases: [string, string, string][] = [
    ['upper case in a name', 'Content-Type', 'x'],
    ['a space in a name', 'a b', 'x'],
    ['an empty name', '', 'x'],
    ['a bare colon', ':', 'x'],
    ['CR in a value', 'a', 'x\ry'],
    ['LF in a value', 'a', 'x\ny'],
    ['NUL in a value', 'a', 'x\0y'],
    ['a leading space in a value', 'a', ' x'],
    ['a trailing tab in a value', 'a', 'x\t'],
    ['a connection-specific field', 'connection', 'close'],
    ['te other than trailers', 'te', 'gzip'],
  ];
  for (const [what, name, value] of cases) {
    const d = new HpackDecoder();
    const err = errorOf(() => d.decode(block([0, 6, 0x40], name, value), 3));
    t.same([err.code, err.scope, err.streamId], [ErrorCode.PROTOCOL_ERROR, 'stream', 3], what);
    t.equal(d.table.length, 1, `${what}: the field still entered the table`);
  }
  const late = errorOf(() => new HpackDecoder().decode(block([0, 4, 0], 'a', 'b', [2, 7, 0x80]), 1));
  t.equal(late.code, ErrorCode.PROTOCOL_ERROR, 'a pseudo-header after a regular field');
  t.same(new HpackDecoder().decode(block([0, 4, 0], 'te', 'trailers')), ['te', 'trailers'], 'te: trailers is fine');
  t.same(new HpackDecoder().decode(block([0, 4, 0], 'a', '')), ['a', ''], 'an empty value is fine');
  t.same(new HpackDecoder().decode(block([0, 4, 0], 'a', 'x y')), ['a', 'x y'], 'inner space is fine');
});

t.test('the dynamic table: §4.1 sizes, eviction oldest first, an entry too big empties it', async (t) => {
  const table = new DynamicTable(100);
  table.add('a', 'b'); // 34
  table.add('cc', 'dd'); // 36
  t.equal(table.size, 70);
  table.add('e', 'f'); // 34: 'a' goes
  t.same(table.entries(), [
    ['e', 'f'],
    ['cc', 'dd'],
  ]);
  t.equal(table.size, 70);
  table.setMaxSize(40);
  t.same(table.entries(), [['e', 'f']]);
  table.add('x'.repeat(10), 'y'); // 43 > 40
  t.equal(table.length, 0, 'an entry larger than the table empties it (not an error)');
  t.equal(table.size, 0);
  const ring = new DynamicTable(100_000);
  for (let i = 0; i < 1000; i++) ring.add(`n${i}`, `v${i}`);
  t.same(ring.get(1), ['n999', 'v999']);
  t.same(ring.get(1000), ['n0', 'v0']);
  t.equal(ring.get(1001), undefined);
});

t.test('the encoder: Huffman only when shorter, unless told', async (t) => {
  const auto = new HpackEncoder({ sensitive: [], unindexed: [] });
  // 'www.example.com' is 12 octets Huffman-coded (shorter than 15); '{{{{' would be 8 (longer than 4);
  // 'x' is 7 bits, one octet either way: not shorter, so as is.
  t.equal(hex(auto.encode([':authority', 'www.example.com'])), '418cf1e3c2e5f23a6ba0ab90f4ff');
  t.equal(hex(auto.encode(['x', '{{{{'])), '40' + '0178' + '047b7b7b7b');
  const never = new HpackEncoder({ huffman: 'never' });
  t.equal(hex(never.encode([':authority', 'a'])), '410161');
});

t.test('the encoder: sensitive names are never indexed, by default and per call', async (t) => {
  const e = new HpackEncoder();
  const d = new HpackDecoder();
  const first = e.encode(
    ['authorization', 'Bearer x', 'cookie', 'a=b', 'x-token', 't', 'x-plain', 'p'],
    new Set(['x-token']),
  );
  t.same(d.decode(first), ['authorization', 'Bearer x', 'cookie', 'a=b', 'x-token', 't', 'x-plain', 'p']);
  t.same(d.neverIndexed, [0, 1, 2], 'authorization, cookie and the marked x-token');
  t.same(e.table.entries(), [['x-plain', 'p']], 'only x-plain was indexed');
  t.equal(first[0]! & 0xf0, 0x10, 'authorization: 0001xxxx, name by static index');
  const again = e.encode(['authorization', 'Bearer x', 'x-plain', 'p']);
  t.equal(again[again.length - 1], 0xbe, 'x-plain now one octet, index 62');
  t.equal(again[0]! & 0xf0, 0x10, 'authorization still a never-indexed literal');
});

t.test('the encoder: unindexed names and entries over half the table are literals without indexing', async (t) => {
  const e = new HpackEncoder({ maxTableSize: 200 });
  e.encode(['content-length', '12', 'grpc-timeout', '1S', 'x-big', 'y'.repeat(100)]);
  t.equal(e.table.length, 0);
  e.encode(['x-small', 'z']);
  t.equal(e.table.length, 1);
});

t.test('the encoder refuses what a decoder would find malformed (fault local)', async (t) => {
  const e = new HpackEncoder();
  t.equal(errorOf(() => e.encode(['X-Upper', 'v'])).fault, 'local');
  t.equal(errorOf(() => e.encode(['x', 'snowman ☃'])).fault, 'local', 'a char above U+00FF');
  t.equal(errorOf(() => e.encode(['odd'])).fault, 'local', 'an odd list');
  t.same(
    new HpackDecoder().decode(new HpackEncoder().encode(['x', 'caf\u00e9'])),
    ['x', 'caf\u00e9'],
    'latin-1 is exact',
  );
  // A refused list changes nothing: the field before the bad one did not enter the table.
  const d = new HpackDecoder();
  const before = e.table.length;
  t.equal(errorOf(() => e.encode(['x-first', '1', 'x-bad', '\u2603'])).fault, 'local');
  t.equal(e.table.length, before, 'the table is as it was');
  d.decode(e.encode(['x', 'caf\u00e9']));
  t.same(d.decode(e.encode(['x-first', '1'])), ['x-first', '1'], 'the next block is whole');
});

t.test('the encoder signals size updates after the peer changes SETTINGS_HEADER_TABLE_SIZE (§4.2)', async (t) => {
  const e = new HpackEncoder();
  const d = new HpackDecoder();
  const headers = ['x-a', '1', 'x-b', '2'];
  t.same(d.decode(e.encode(headers)), headers);
  // The peer lowers its limit to 0, then raises it to 1000, before our next block.
  d.setMaxTableSize(0);
  e.setPeerMaxTableSize(0);
  d.setMaxTableSize(1000);
  e.setPeerMaxTableSize(1000);
  const next = e.encode(headers);
  t.equal(hex(next.subarray(0, 4)), '20' + '3fc907', 'size 0 (the smallest), then 1000');
  t.same(d.decode(next), headers);
  t.equal(d.table.maxSize, 1000);
  t.same(d.table.entries(), e.table.entries(), 'both tables alike');
  t.equal(e.encode(headers)[0], 0xbf, 'no update in the block after');
  // Above the cap (4096 by default): the table stays at the cap; only a change is signalled.
  e.setPeerMaxTableSize(65_536);
  d.setMaxTableSize(65_536);
  const capped = e.encode(headers);
  t.equal(hex(capped.subarray(0, 3)), '3fe11f', 'size update to 4096');
  t.same(d.decode(capped), headers);
  e.setPeerMaxTableSize(100_000);
  t.equal(e.encode(headers)[0], 0xbf, 'still 4096: nothing to signal');
});

t.test('an encoder capped below the initial 4096 says so in its first block', async (t) => {
  const e = new HpackEncoder({ maxTableSizeCap: 100 });
  const d = new HpackDecoder();
  const first = e.encode(['x-a', '1']);
  t.equal(hex(first.subarray(0, 2)), '3f45', 'size update to 100');
  t.same(d.decode(first), ['x-a', '1']);
  t.equal(d.table.maxSize, 100);
  t.equal(e.encode(['x-a', '1'])[0], 0xbe, 'then nothing more to announce');
});

t.test('a block of indexed fields is remembered per table state, never across a change', async (t) => {
  const encoder = new HpackEncoder({ huffman: 'never' });
  const decoder = new HpackDecoder();
  const first = ['x-a', '1', 'x-b', '2'];
  decoder.decode(encoder.encode(first)); // both fields enter both tables (62: x-b, 63: x-a)
  const indexed = encoder.encode(first);
  t.same([...indexed], [0xbf, 0xbe], 'the repeat is two indexed fields');
  const once = decoder.decode(indexed);
  t.same(once, first);
  once.push('mutated', 'by the caller');
  t.same(decoder.decode(indexed), first, 'a later hit is not the array the caller changed');
  // A new entry shifts the dynamic indices: the same two octets now name other fields.
  decoder.decode(encoder.encode(['x-c', '3']));
  t.same(decoder.decode(indexed), ['x-b', '2', 'x-c', '3'], 'after the table changed, the block is decoded afresh');
  // A size update that evicts everything: the same octets are now past the table, a connection error.
  const small = new HpackDecoder();
  small.decode(new Uint8Array([0x40, 0x03, ...Buffer.from('x-a'), 0x01, 0x31])); // x-a: 1 at 62
  t.same(small.decode(new Uint8Array([0xbe])), ['x-a', '1']);
  small.decode(new Uint8Array([0x20, 0x3f, 0xe1, 0x1f])); // size 0, then 4096 again: the table is empty
  t.throws(() => small.decode(new Uint8Array([0xbe])), { code: ErrorCode.COMPRESSION_ERROR });
});

t.test('the encoder reuses a block only while the table is unchanged, and compares the list itself', async (t) => {
  const encoder = new HpackEncoder({ huffman: 'never' });
  const decoder = new HpackDecoder();
  const list = [':status', '200', 'content-type', 'application/grpc'];
  t.same(decoder.decode(encoder.encode(list)), list); // content-type enters the table
  const again = encoder.encode(list);
  t.same([...again], [0x88, 0xbe], 'indexed fields only');
  t.same([...encoder.encode(list)], [0x88, 0xbe], 'the same bytes from the remembered block');
  t.same(decoder.decode(again), list);
  // The caller changes its array in place: the new content is encoded, not the remembered block.
  const mutable = [...list];
  encoder.encode(mutable);
  mutable[1] = '404';
  t.same(decoder.decode(encoder.encode(mutable)), mutable);
  // A new entry moves the indices: the list is encoded afresh, and still decodes to itself.
  t.same(decoder.decode(encoder.encode(['x-new', 'v'])), ['x-new', 'v']);
  t.same(decoder.decode(encoder.encode(list)), list);
  // A table size change (the peer's SETTINGS) must reach the next block as a size update.
  encoder.setPeerMaxTableSize(0);
  decoder.setMaxTableSize(0);
  const afterShrink = encoder.encode(list);
  t.equal(afterShrink[0]! & 0xe0, 0x20, 'the block begins with a size update');
  t.same(decoder.decode(afterShrink), list);
});

t.test('the encoder tells (name, value) pairs apart however their octets split', async (t) => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  // Joined, both pairs read "x-abc": a table keyed by name + value would send the second as the first.
  const first = ['x-ab', 'c'];
  const second = ['x-a', 'bc'];
  t.same(decoder.decode(encoder.encode(first)), first);
  t.same(decoder.decode(encoder.encode(second)), second);
  t.same(decoder.decode(encoder.encode(first)), first, 'the first, indexed, is still itself');
  t.equal(encoder.encode(first).length, 1, 'and is sent as one indexed octet');
});

t.test('tables grow past their first 8 entries and evict in order; the encoder forgets what was evicted', async (t) => {
  const encoder = new HpackEncoder({ unindexed: [] });
  const decoder = new HpackDecoder();
  const lists: string[][] = [];
  for (let i = 0; i < 200; i++) lists.push([`x-field-${i % 70}`, `value ${i}-${'v'.repeat(i % 13)}`]);
  for (const list of lists) t.same(decoder.decode(encoder.encode(list)), list);
  t.same(encoder.table.entries(), decoder.table.entries(), 'both tables hold the same entries, newest first');
  t.ok(encoder.table.length > 8, `more than 8 entries at once (${encoder.table.length})`);
  t.ok(encoder.table.size <= 4096, 'within SETTINGS_HEADER_TABLE_SIZE');
  // An evicted pair is sent as a literal again, never as an index that now names another entry.
  const evicted = lists[0]!;
  t.same(decoder.decode(encoder.encode(evicted)), evicted);
});

t.test(
  'a block larger than the shared scratch buffers is written and read, and later blocks are unaffected',
  async (t) => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder({ maxHeaderListSize: 1 << 20 });
    const big = ['x-big', 'ab'.repeat(40_000), 'x-huff', 'e'.repeat(30_000)];
    t.same(decoder.decode(encoder.encode(big)), big);
    const small = ['x-small', 'ok'];
    t.same(decoder.decode(encoder.encode(small)), small);
    // Two encoders in turn (two connections) share the scratch space and never see each other's bytes.
    const other = new HpackEncoder();
    const otherDecoder = new HpackDecoder();
    t.same(otherDecoder.decode(other.encode(['x-other', 'o'])), ['x-other', 'o']);
    t.same(decoder.decode(encoder.encode(['x-small', 'ok', 'x-more', 'm'])), ['x-small', 'ok', 'x-more', 'm']);
  },
);

t.test(
  'the encoder finds entries the same way before and after its table outgrows a search (16 entries)',
  async (t) => {
    const encoder = new HpackEncoder({ unindexed: [] });
    const decoder = new HpackDecoder();
    const sizes: number[] = [];
    for (let i = 0; i < 24; i++) {
      const list = [`x-n${i}`, `v${i}`];
      t.same(decoder.decode(encoder.encode(list)), list);
      // The first field again: found in the table, one indexed octet, with 1..23 entries after it.
      const again = ['x-n0', 'v0'];
      const block = encoder.encode(again);
      t.same(decoder.decode(block), again);
      sizes.push(block.length);
      // A new value for an old name: the name comes from the table (its index, not the name's octets).
      const renamed = [`x-n${i}`, `w${i}`];
      const renamedBlock = encoder.encode(renamed);
      t.same(decoder.decode(renamedBlock), renamed);
      t.ok(renamedBlock.length <= 1 + 1 + 3, `entry ${i}: the name is sent as an index`);
    }
    t.ok(
      sizes.every((n) => n === 1 || n === 2),
      'x-n0: v0 is always an indexed field (1 octet, 2 past index 126)',
    );
    t.same(encoder.table.entries(), decoder.table.entries());
  },
);
