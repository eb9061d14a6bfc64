// `wiregrpc encode` / `wiregrpc decode`, run as a user would: the compiled CLI
// (dist/, so `npm run build` first) in a child process started with
// --disallow-code-generation-from-strings — proof that loading .proto files,
// the codec and the JSON mapping never compile code from strings.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const CLI = 'dist/src/cli/main.js';
const USERINFO = ['--proto', 'proto/userinfo.proto', '--type', 'proto.UserResponse'];
const KITCHEN = [
  '--proto',
  'test/protos/loader/kitchen.proto',
  '-I',
  'test/protos/loader/inc',
  '--type',
  'loader.test.Kitchen',
];
const FOO_JSON = '{"id":1,"name":"foo","age":12,"hobby":["eating","sleep"]}';
const FOO_HEX = '08011203666f6f180c2206656174696e672205736c656570';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ReturnType<typeof spawn>>();
t.teardown(() => {
  for (const child of children) child.kill('SIGKILL');
});

function wiregrpc(args: string[], stdin?: string): Promise<Run> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--disallow-code-generation-from-strings', CLI, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

t.test('encode: JSON argument → hex of the message bytes', async (t) => {
  const r = await wiregrpc(['encode', ...USERINFO, FOO_JSON]);
  t.equal(r.stderr, '');
  t.equal(r.code, 0);
  t.equal(r.stdout, FOO_HEX + '\n');
  // Flag spellings: --flag=value, -t, and the empty message (zero bytes).
  const empty = await wiregrpc(['encode', '--proto=proto/userinfo.proto', '-t', 'proto.UserResponse', '{}']);
  t.same([empty.code, empty.stdout], [0, '\n']);
});

t.test('decode: hex argument → canonical proto3 JSON', async (t) => {
  const r = await wiregrpc(['decode', ...USERINFO, FOO_HEX]);
  t.equal(r.stderr, '');
  t.equal(r.code, 0);
  t.same(JSON.parse(r.stdout), JSON.parse(FOO_JSON));
  t.equal(r.stdout.split('\n').length, 2, 'one line');
  // Spaces between bytes and upper case are fine.
  const spaced = await wiregrpc(['decode', ...USERINFO, '08 01 12 03 66 6F 6F']);
  t.same(JSON.parse(spaced.stdout), { id: 1, name: 'foo' }, 'defaults are omitted');
});

t.test('encode, stdin line mode: a bad line is named, the others still encoded', async (t) => {
  const input = [FOO_JSON, '{"id": 2,', '{"name":"bar"}', '', '{"nope": 1}', '{"id":3}'].join('\n') + '\n';
  const r = await wiregrpc(['encode', ...USERINFO], input);
  t.equal(r.code, 1, 'exit code non-zero when a line failed');
  t.same(r.stdout.split('\n'), [FOO_HEX, '1203626172', '0803', ''], 'good lines in order; the blank line skipped');
  const errors = r.stderr.trimEnd().split('\n');
  t.equal(errors.length, 2, r.stderr);
  t.match(errors[0], /^line 2: invalid JSON/);
  t.match(errors[1], /^line 5: .*nope/, 'an unknown field is named, with its line');
});

t.test('decode, stdin line mode: bad hex and bad bytes are named by line', async (t) => {
  const input = [FOO_HEX, '0801x2', '', '0a', '080212026869'].join('\n') + '\n';
  const r = await wiregrpc(['decode', ...USERINFO], input);
  t.equal(r.code, 1);
  const out = r.stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
  t.same(out, [JSON.parse(FOO_JSON), {}, { id: 2, name: 'hi' }], 'an empty line is the empty message');
  const errors = r.stderr.trimEnd().split('\n');
  t.equal(errors.length, 2, r.stderr);
  t.match(errors[0], /^line 2: not a hex digit: "x"/);
  t.match(errors[1], /^line 4: /, 'truncated message (a tag with no value)');
});

t.test('a round trip through every field shape, with imports and well-known types', async (t) => {
  const message = {
    plain: 5,
    maybe: 0,
    text: 'hi',
    packedNums: [1, -2, 3],
    looseNums: [4],
    names: ['a', 'b'],
    moods: ['HAPPY', 'GRUMPY'],
    byName: { k: { plain: 1 } },
    moodById: { '-7': 'GRUMPY' },
    blobs: { true: 'AQI=' },
    userName: 'u',
    otherName: 'json_name',
    when: '2024-01-02T03:04:05.500Z',
    extra: { a: [1, 'two', null, true, { b: {} }] },
    common: { id: 'c' },
    sibling: { common: { id: 's' } },
    mood: 'HAPPY',
    big: '18446744073709551615',
    constructor: 9,
  };
  const enc = await wiregrpc(['encode', ...KITCHEN, JSON.stringify(message)]);
  t.equal(enc.stderr, '');
  t.equal(enc.code, 0);
  t.match(enc.stdout, /^[0-9a-f]+\n$/);
  const dec = await wiregrpc(['decode', ...KITCHEN], enc.stdout);
  t.equal(dec.stderr, '');
  t.equal(dec.code, 0);
  t.same(JSON.parse(dec.stdout), message, 'decode(encode(json)) gives the same JSON back');
});

t.test('usage and lookup errors', async (t) => {
  const help = await wiregrpc(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /encode .*\n.*decode/);
  const verbHelp = await wiregrpc(['encode', '--help']);
  t.equal(verbHelp.code, 0);
  t.match(verbHelp.stdout, /Usage: wiregrpc encode --proto FILE/);
  t.match(verbHelp.stdout, /-I, --include DIR/);

  const noVerb = await wiregrpc([]);
  t.equal(noVerb.code, 2);
  t.match(noVerb.stderr, /Usage: wiregrpc <verb>/);

  const unknownVerb = await wiregrpc(['encdoe']);
  t.equal(unknownVerb.code, 2);
  t.match(unknownVerb.stderr, /unknown verb 'encdoe' \(verbs: encode, decode/);

  const noType = await wiregrpc(['encode', '--proto', 'proto/userinfo.proto', '{}']);
  t.equal(noType.code, 2);
  t.match(noType.stderr, /wiregrpc encode: missing --type/);

  const badFlag = await wiregrpc(['decode', '--protoo', 'x']);
  t.equal(badFlag.code, 2);
  t.match(badFlag.stderr, /unknown option --protoo/);

  const badType = await wiregrpc(['decode', '--proto', 'proto/userinfo.proto', '--type', 'proto.UserReply', '']);
  t.equal(badType.code, 1);
  t.match(
    badType.stderr,
    /unknown message 'proto\.UserReply' \(known messages: proto\.UserRequest, proto\.UserResponse\)/,
  );

  const noFile = await wiregrpc(['decode', '--proto', 'nope.proto', '--type', 'x.Y', '']);
  t.equal(noFile.code, 2, "a --proto file that is not there is the caller's mistake");
  t.equal(
    noFile.stderr.split('\n')[0],
    `wiregrpc decode: nope.proto: cannot find the file (looked in: ${process.cwd()}/nope.proto)`,
  );
  t.notMatch(noFile.stderr, /--help/, 'no usage hint: the flags were right');
});
