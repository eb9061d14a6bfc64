// `wiregrpc decode --raw`: protobuf bytes explained without a schema, every
// byte accounted for. The table format is what people read, so it is pinned.
import t from 'tap';
import { dumpMessage, formatDump } from '../../src/wire/proto/dump.js';
import { dumpFrames } from '../../src/wire/grpc/frame-dump.js';
import { killChildren, wiregrpc } from './spawn-cli.js';

t.teardown(killChildren);

const FOO_HEX = '08011203666f6f180c2206656174696e672205736c656570'; // proto.UserResponse {id:1,name:"foo",age:12,hobby:[eating,sleep]}

function bytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

t.test('UserResponse: one row per field, every byte shown', async (t) => {
  const r = await wiregrpc(['decode', '--raw', FOO_HEX]);
  t.equal(r.stderr, '');
  t.equal(r.code, 0);
  t.equal(
    r.stdout,
    [
      'offset  bytes                    field  type    value',
      '     0  08 01                    1      VARINT  1',
      '     2  12 03 66 6f 6f           2      LEN     "foo"',
      '     7  18 0c                    3      VARINT  12',
      '     9  22 06 65 61 74 69 6e 67  4      LEN     "eating"',
      '    17  22 05 73 6c 65 65 70     4      LEN     "sleep"',
      '',
    ].join('\n'),
  );
});

t.test('--frames: each 5-byte prefix, then its message one level in', async (t) => {
  // Two messages as they travel in a gRPC stream: UserResponse foo, then an empty message.
  const stream = '0000000018' + FOO_HEX + '0000000000';
  const r = await wiregrpc(['decode', '--raw', '--frames'], { stdin: stream.replace(/(..)/g, '$1 ') + '\n' });
  t.equal(r.stderr, '');
  t.equal(r.code, 0);
  t.equal(
    r.stdout,
    [
      'offset  bytes                      field    type    value',
      '     0  00 00 00 00 18             frame 1  PREFIX  flag 0 (not compressed), length 24',
      '     5    08 01                      1      VARINT  1',
      '     7    12 03 66 6f 6f             2      LEN     "foo"',
      '    12    18 0c                      3      VARINT  12',
      '    14    22 06 65 61 74 69 6e 67    4      LEN     "eating"',
      '    22    22 05 73 6c 65 65 70       4      LEN     "sleep"',
      '    29  00 00 00 00 00             frame 2  PREFIX  flag 0 (not compressed), length 0',
      '    34                                              (empty message: every field has its default)',
      '',
    ].join('\n'),
  );
});

t.test('malformed input: dumped as far as it parses, the rest marked, exit 1', async (t) => {
  const r = await wiregrpc(['decode', '--raw', '0801ff']);
  t.equal(r.code, 1);
  t.match(r.stdout, /\n     2  ff\s+ERROR   protobuf: truncated varint/);
  t.match(r.stderr, /^malformed input at byte 2: protobuf: truncated varint/);
  const frames = await wiregrpc(['decode', '--raw', '--frames', '000000000a0801']);
  t.equal(frames.code, 1);
  t.match(frames.stdout, /ERROR   truncated message: 2 of 10 bytes/);
  const hex = await wiregrpc(['decode', '--raw', '0x01']);
  t.equal(hex.code, 1);
  t.match(hex.stderr, /not a hex digit/);
});

t.test(
  'dumpMessage: nested messages are guessed and indented; numbers shown every way the wire type allows',
  async (t) => {
    const rows = dumpMessage(
      bytes(
        '0a07089601120268 69'.replace(/ /g, '') + // 1: message {1: 150, 2: "hi"}
          '1d0000c03f' + //                            3: I32 1.5f
          '210000000000000040' + //                    4: I64 2.0
          '28ffffffffffffffffff01' + //                5: varint -1 as int64
          '3203010203' + //                            6: bytes that are neither text nor a message
          '3b0801' +
          '3c', //                          7: group { 1: 1 }
      ),
    );
    t.same(
      rows.map((r) => [r.offset, r.depth, r.field, r.type, r.value, r.bytes.length]),
      [
        [0, 0, '1', 'LEN', 'message, 7 bytes:', 2],
        [2, 1, '1', 'VARINT', '150', 3],
        [5, 1, '2', 'LEN', '"hi"', 4],
        [9, 0, '3', 'I32', 'fixed32 1069547520, float 1.5', 5],
        [14, 0, '4', 'I64', 'fixed64 4611686018427387904, double 2', 9],
        [23, 0, '5', 'VARINT', '18446744073709551615 (as int64: -1)', 11],
        [34, 0, '6', 'LEN', '3 bytes (not text, not a message)', 5],
        [39, 0, '7', 'SGROUP', 'group {', 1],
        [40, 1, '1', 'VARINT', '1', 2],
        [42, 0, '7', 'EGROUP', '}', 1],
      ],
    );
    // Every byte appears exactly once, in order.
    let at = 0;
    for (const row of rows) {
      t.equal(row.offset, at);
      at += row.bytes.length;
    }
    t.equal(at, 43);
    // Long values continue on the next line, 8 bytes a line.
    const lines = formatDump(rows);
    t.match(lines[5], /^    14  21 00 00 00 00 00 00 00  4      I64 /);
    t.equal(lines[6], '    22  40');
    t.match(lines[7], /^    23  28 ff ff ff ff ff ff ff  5      VARINT  18446744073709551615 /);
    t.equal(lines[8], '    31  ff ff 01');
  },
);

t.test('dumpMessage: text vs message vs bytes', async (t) => {
  const value = (hex: string) => dumpMessage(bytes(hex)).map((r) => r.value);
  t.same(value('0a026869'), ['"hi"'], '"hi" also parses as {13: 105}, but printable text wins');
  t.same(value('0a00'), ['""']);
  t.same(value('0a03e282ac'), ['"€"'], 'UTF-8');
  t.same(value('0a02c328'), ['2 bytes (not text, not a message)'], 'invalid UTF-8');
  // A newline that is really the tag of field 1 (LEN): a message, not a line of text.
  t.same(value('0a050a0341424344'.slice(0, 14)), ['message, 5 bytes:', '"ABC"']);
  t.same(
    value('0a020a41'),
    ['"\\nA"'],
    '0a 41 would be field 1 LEN 65, truncated: not a message, so a newline is text',
  );
  t.same(value(''), []);
  // Errors never throw: they become a row holding the rest of the bytes.
  const bad = dumpMessage(bytes('08010f'));
  t.same(
    bad.map((r) => [r.offset, r.type]),
    [
      [0, 'VARINT'],
      [2, 'ERROR'],
    ],
  );
  t.match(bad[1]!.value, /invalid wire type 7/);
  t.same(
    dumpMessage(bytes('0c')).map((r) => r.type),
    ['ERROR'],
    'end-group without start',
  );
  t.same(
    dumpMessage(bytes('0b')).map((r) => r.type),
    ['SGROUP', 'ERROR'],
    'start-group without end',
  );
  t.same(
    dumpMessage(bytes('0a05')).map((r) => r.type),
    ['ERROR'],
    'length past the end',
  );
});

t.test('dumpFrames: flags and truncation', async (t) => {
  const rows = dumpFrames(bytes('0100000002' + 'abcd' + '8000000003' + '613a62' + '0000'));
  t.same(
    rows.map((r) => [r.offset, r.type, r.value]),
    [
      [0, 'PREFIX', 'flag 1 (compressed), length 2'],
      [5, '', '2 compressed bytes (see grpc-encoding)'],
      [7, 'PREFIX', 'flag 128 (not compressed, trailers (gRPC-Web)), length 3'],
      [12, '', 'trailers "a:b"'],
      [15, 'ERROR', 'truncated prefix: 2 of 5 bytes'],
    ],
  );
});
