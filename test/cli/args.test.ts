// The CLI's argv parser and hex helpers, in-process.
import t from 'tap';
import { PassThrough, Writable } from 'node:stream';
import { UsageError, formatFlags, parseArgs, type FlagSpecs } from '../../src/cli/args.js';
import { LineWriter, fromHex, lines, toHex } from '../../src/cli/io.js';

const SPECS: FlagSpecs = {
  proto: { value: 'FILE', repeat: true, help: '.proto file' },
  include: { short: 'I', aliases: ['proto_path'], value: 'DIR', repeat: true, help: 'include dir' },
  type: { short: 't', value: 'NAME', help: 'message type' },
  verbose: { short: 'v', help: 'say more' },
};

t.test('values with a space or =, short flags attached or not, repeats collected', async (t) => {
  const args = parseArgs(
    ['--proto', 'a.proto', '--proto=b.proto', '-I', 'x', '-Iy', '-I=z', '--proto_path=w', '-t', 'p.M', '-v', '{"a":1}'],
    SPECS,
  );
  t.same(args.all('proto'), ['a.proto', 'b.proto']);
  t.same(args.all('include'), ['x', 'y', 'z', 'w']);
  t.equal(args.get('type'), 'p.M');
  t.equal(args.require('type'), 'p.M');
  t.ok(args.has('verbose'));
  t.notOk(args.has('help'));
  t.same(args.positionals, ['{"a":1}']);
  t.same(args.all('absent'), []);
  t.equal(args.get('absent'), undefined);
});

t.test('-- ends the flags; - is a positional', async (t) => {
  const args = parseArgs(['-', '--', '--proto', '-I'], SPECS);
  t.same(args.positionals, ['-', '--proto', '-I']);
  t.notOk(args.has('proto'));
});

t.test('mistakes are UsageErrors naming the flag', async (t) => {
  t.throws(
    () => parseArgs(['--typo'], SPECS),
    new UsageError('unknown option --typo (options: --proto, --include, --proto_path, --type, --verbose)'),
  );
  t.throws(() => parseArgs(['-X'], SPECS), /unknown option -X/);
  t.throws(() => parseArgs(['--type'], SPECS), /--type needs a value \(NAME\)/);
  t.throws(() => parseArgs(['-t', 'a', '--type=b'], SPECS), /--type given more than once/);
  t.throws(() => parseArgs(['--verbose=yes'], SPECS), /--verbose takes no value/);
  t.throws(() => parseArgs([], SPECS).require('type'), /missing --type/);
});

t.test('help lists every flag', async (t) => {
  const text = formatFlags(SPECS);
  t.match(text, /-I, --include DIR\s+include dir \(repeatable\)/);
  t.match(text, /--proto FILE\s+\.proto file \(repeatable\)/);
  t.match(text, /-v, --verbose\s+say more$/m);
});

t.test('hex: both ways, whitespace between digits allowed, mistakes located', async (t) => {
  const bytes = new Uint8Array([0, 1, 0x7f, 0x80, 0xab, 0xff]);
  t.equal(toHex(bytes), '00017f80abff');
  t.same(fromHex('00017f80abff'), bytes);
  t.same(fromHex(' 00 01 7F\t80 AB ff '), bytes);
  t.same(fromHex(''), new Uint8Array(0));
  t.throws(() => fromHex('abc'), /odd number of digits \(3\)/);
  t.throws(() => fromHex('0g'), /not a hex digit: "g" at position 2/);
  t.throws(() => fromHex('zz'), /not a hex digit: "z" at position 1/);
});

t.test('lines are numbered from 1, \\r\\n and a missing final newline handled', async (t) => {
  const input = new PassThrough();
  input.end('a\r\nb\n\nlast');
  const seen: [number, string][] = [];
  for await (const entry of lines(input)) seen.push(entry);
  t.same(seen, [
    [1, 'a'],
    [2, 'b'],
    [3, ''],
    [4, 'last'],
  ]);
});

t.test('LineWriter writes every line, in order, one write per turn', async (t) => {
  // Like a socket or pipe (process.stdout): a stream that can take many chunks in one writev.
  const writes: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writes.push(chunk.toString());
      callback();
    },
    writev(chunks, callback) {
      writes.push(chunks.map((c) => String(c.chunk)).join(''));
      callback();
    },
  });
  const writer = new LineWriter(out);
  for (let i = 0; i < 5; i++) await writer.line(String(i));
  t.same(writes, [], 'nothing written until the turn ends');
  await new Promise((resolve) => setImmediate(resolve));
  t.same(writes, ['0\n1\n2\n3\n4\n'], 'the five lines went out in one write');
  await writer.line('later');
  await new Promise((resolve) => setImmediate(resolve));
  t.same(writes, ['0\n1\n2\n3\n4\n', 'later\n']);
});
