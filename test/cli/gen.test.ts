// `wiregrpc gen`: typed TypeScript from .proto files. The generated code is
// judged by what matters to its users:
// - it compiles under `tsc --strict`, and wrong usage does NOT (the types are real);
// - its schemas are the loader's schemas, field by field, recursion tied the same way;
// - compiled to JS, a client and a server built only from it talk to each other
//   under --disallow-code-generation-from-strings;
// - the output is deterministic, and the checked-in example is up to date.
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from '../../src/cli/args.js';
import { verb } from '../../src/cli/gen.js';
import type { Io } from '../../src/cli/io.js';
import { loadProtoSync } from '../../src/service/load.js';
import type { ServiceDefinition } from '../../src/service/definition.js';
import type { EnumSchema, FieldSchema, MessageSchema } from '../../src/wire/proto/schema.js';

const REPO = process.cwd();
const RUNTIME = path.join(REPO, 'src/service/core.js');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const TEST_PROTOS = readdirSync('test/protos')
  .filter((f) => f.endsWith('.proto'))
  .sort()
  .map((f) => `test/protos/${f}`);
const PROTOS = ['proto/userinfo.proto', ...TEST_PROTOS, 'test/protos/loader/kitchen.proto'];
const INCLUDES = ['test/protos/loader/inc'];

const tmp = mkdtempSync(path.join(tmpdir(), 'wiregrpc-gen-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
const GEN = path.join(tmp, 'gen');

// Names that must not collide: with an imported message of the same name, with
// globals and runtime names the generated code uses, between a nested type's
// flat name and a top-level one, with a schema constant's name, and methods
// named like the client's own members.
const CLASH_DIR = path.join(tmp, 'protos');
const CLASH_DEP = `syntax = "proto3";
package clash.dep;
message Common { string id = 1; }
enum Level { LEVEL_UNSPECIFIED = 0; HIGH = 1; }
`;
const CLASH_MAIN = `syntax = "proto3";
package clash.main;
import "clash/dep.proto";
// Same name as the message it wraps.
message Common { clash.dep.Common inner = 1; clash.dep.Level level = 2; }
message Record { map<string, Record> children = 1; }
message MessageSchema { string x = 1; }
message Outer { message Inner { int32 a = 1; } Inner inner = 1; }
message Outer_Inner { string b = 1; }
message OuterSchema { int32 c = 1; Outer outer = 2; }
service Clash {
  rpc Close (Common) returns (Record);
  rpc Channel (stream Record) returns (stream Common);
}
`;
const INCLUDE_ARGS = [...INCLUDES, CLASH_DIR].flatMap((dir) => ['-I', dir]);
/** The runtime, as generated modules and the usage files in `tmp` import it. */
const rel = (from: string) => path.relative(from, RUNTIME).split(path.sep).join('/');

/** Runs the verb in this process; resolves with its exit code and output. */
async function gen(argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const io = {
    stdin: process.stdin,
    stdout: {
      write: (s: string) => {
        stdout += s;
        return true;
      },
    },
    stderr: process.stderr,
  } as unknown as Io;
  const code = await verb.run(parseArgs(argv, verb.flags), io);
  return { code, stdout };
}

function run(file: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: tmp, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, out: stdout + stderr });
    });
  });
}

const tsconfig = (files: string[], extra: Record<string, unknown>) =>
  JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: true,
        verbatimModuleSyntax: true,
        types: ['node'],
        typeRoots: [path.join(REPO, 'node_modules/@types')],
        ...extra,
      },
      files,
    },
    null,
    2,
  );

t.before(async () => {
  writeFileSync(path.join(tmp, 'package.json'), '{ "type": "module" }\n');
  mkdirSync(path.join(CLASH_DIR, 'clash'), { recursive: true });
  writeFileSync(path.join(CLASH_DIR, 'clash/dep.proto'), CLASH_DEP);
  writeFileSync(path.join(CLASH_DIR, 'clash/main.proto'), CLASH_MAIN);
  const { code, stdout } = await gen([
    ...PROTOS,
    'clash/main.proto',
    ...INCLUDE_ARGS,
    '--out',
    GEN,
    '--runtime-import',
    rel(GEN),
  ]);
  if (code !== 0) throw new Error(`gen failed with ${code}`);
  if (!stdout.includes(path.join(GEN, 'userinfo.ts'))) throw new Error(`gen printed: ${stdout}`);
});

t.test('one module per .proto file, imports included, laid out by .proto path', async (t) => {
  const files = (dir: string, prefix = ''): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
      .sort();
  t.same(files(GEN), [
    'clash/dep.ts',
    'clash/main.ts',
    'codec-bench.ts',
    'echo.ts',
    'golden.ts',
    'google/protobuf/descriptor.ts',
    'google/protobuf/duration.ts',
    'google/protobuf/empty.ts',
    'google/protobuf/field_mask.ts',
    'google/protobuf/struct.ts',
    'google/protobuf/timestamp.ts',
    'google/protobuf/wrappers.ts',
    'kitchen.ts',
    'shared/common.ts',
    'sub/sibling.ts',
    'userinfo.ts',
    'wkt.ts',
  ]);
  const kitchen = readFileSync(path.join(GEN, 'kitchen.ts'), 'utf8');
  t.match(kitchen, "from './google/protobuf/timestamp.js';", 'a .proto import becomes a TS import');
  t.match(kitchen, "from './shared/common.js';");
  t.match(
    readFileSync(path.join(GEN, 'sub/sibling.ts'), 'utf8'),
    "from '../shared/common.js';",
    'relative to the importing module',
  );
  t.match(
    readFileSync(path.join(GEN, 'google/protobuf/timestamp.ts'), 'utf8'),
    `from '${rel(path.join(GEN, 'google/protobuf'))}';`,
    'a relative runtime import is rewritten for nested modules',
  );
  for (const file of files(GEN)) {
    const text = readFileSync(path.join(GEN, file), 'utf8');
    t.notMatch(
      text,
      /protobufjs|\beval\b|new Function|\benum\s+\w+\s*\{|\.proto['"]/,
      `${file}: no protobufjs, eval, TS enum or .proto at run time`,
    );
  }
});

t.test('mistakes: no files, no --out, an unsupported .proto, an import outside every root', async (t) => {
  await t.rejects(gen(['--out', path.join(tmp, 'x')]), { name: 'UsageError', message: /no \.proto files/ });
  await t.rejects(gen(['proto/userinfo.proto']), { name: 'UsageError', message: /missing --out/ });
  // proto2 groups are supported now (delimited message fields): legacy.proto generates.
  await t.resolves(gen(['test/protos/loader/legacy.proto', '--out', path.join(tmp, 'legacy')]));
  // An import reached with `..` lies under no root: gen cannot place it, and says so.
  mkdirSync(path.join(tmp, 'outside/a'), { recursive: true });
  writeFileSync(path.join(tmp, 'outside/dep.proto'), 'syntax = "proto3"; package o; message Dep { int32 a = 1; }\n');
  writeFileSync(
    path.join(tmp, 'outside/a/top.proto'),
    'syntax = "proto3"; package o; import "../dep.proto"; message Top { Dep dep = 1; }\n',
  );
  await t.rejects(
    gen([path.join(tmp, 'outside/a/top.proto'), '--out', path.join(tmp, 'x')]),
    /dep\.proto lies outside every include directory/,
  );
  // With -I for the top directory, the same import has a place.
  const out = path.join(tmp, 'y');
  t.equal((await gen([path.join(tmp, 'outside/a/top.proto'), '-I', path.join(tmp, 'outside'), '--out', out])).code, 0);
  t.match(readFileSync(path.join(out, 'a/top.ts'), 'utf8'), "import { type Dep, DepSchema } from '../dep.js';");
});

t.test('deterministic: the same input gives the same bytes', async (t) => {
  const again = path.join(tmp, 'again');
  await gen([...PROTOS, 'clash/main.proto', ...INCLUDE_ARGS, '--out', again, '--runtime-import', rel(again)]);
  for (const file of ['userinfo.ts', 'kitchen.ts', 'golden.ts', 'google/protobuf/descriptor.ts', 'clash/main.ts']) {
    t.equal(readFileSync(path.join(again, file), 'utf8'), readFileSync(path.join(GEN, file), 'utf8'), file);
  }
});

t.test('the checked-in examples/userinfo/gen/userinfo.ts is up to date', async (t) => {
  const out = path.join(tmp, 'example');
  await gen(['proto/userinfo.proto', '--out', out, '--runtime-import', '../../../src/service/core.js']);
  t.equal(
    readFileSync(path.join(out, 'userinfo.ts'), 'utf8'),
    readFileSync('examples/userinfo/gen/userinfo.ts', 'utf8'),
    'regenerate: wiregrpc gen proto/userinfo.proto --out examples/userinfo/gen --runtime-import ../../../src/service/core.js',
  );
});

t.test(
  'the checked-in test/types/gen is up to date (the type tests compile against what gen writes today)',
  async (t) => {
    const out = path.join(tmp, 'types');
    await gen(['proto/userinfo.proto', '--out', out, '--runtime-import', 'wiregrpc/core']);
    await gen(['test/types/notes.proto', '-I', 'test/types', '--out', out, '--runtime-import', 'wiregrpc/core']);
    for (const file of ['userinfo.ts', 'notes.ts', 'google/protobuf/timestamp.ts']) {
      t.equal(
        readFileSync(path.join(out, file), 'utf8'),
        readFileSync(path.join('test/types/gen', file), 'utf8'),
        `test/types/gen/${file}: regenerate with wiregrpc gen … --out test/types/gen --runtime-import wiregrpc/core`,
      );
    }
  },
);

/** A field with its references replaced by type names, for comparison. */
function flat(field: FieldSchema): unknown {
  if (field.kind === 'message') return { ...field, message: field.message.typeName };
  if (field.kind === 'enum') return { ...field, enum: field.enum.typeName };
  if (field.kind === 'map') {
    const v = field.value;
    return {
      ...field,
      value:
        v.kind === 'message'
          ? { ...v, message: v.message.typeName }
          : v.kind === 'enum'
            ? { ...v, enum: v.enum.typeName }
            : v,
    };
  }
  return field;
}

function isSchema(value: unknown): value is { typeName: string } {
  return typeof value === 'object' && value !== null && typeof (value as { typeName?: unknown }).typeName === 'string';
}

t.test("generated schemas equal the loader's, field by field", async (t) => {
  const set = loadProtoSync([...PROTOS, 'clash/main.proto'], { includeDirs: [...INCLUDES, CLASH_DIR] });
  const messages = new Map<string, MessageSchema>();
  const enums = new Map<string, EnumSchema>();
  const services = new Map<string, ServiceDefinition>();
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
    );
  for (const file of walk(GEN)) {
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if (!isSchema(value)) continue;
      if ('fields' in value) messages.set(value.typeName, value as MessageSchema);
      else if ('values' in value) enums.set(value.typeName, value as EnumSchema);
      else if ('methods' in value) services.set(value.typeName, value as ServiceDefinition);
    }
  }

  t.same([...messages.keys()].sort(), set.names('message'), 'a schema for every message');
  t.same([...enums.keys()].sort(), set.names('enum'), 'a schema for every enum');
  t.same([...services.keys()].sort(), set.names('service'), 'a definition for every service');

  for (const name of set.names('message')) {
    const mine = messages.get(name)!;
    const theirs = set.message(name);
    t.equal(mine.fields.length, theirs.fields.length, `${name}: field count`);
    theirs.fields.forEach((field, i) => {
      const got = mine.fields[i]!;
      t.same(flat(got), flat(field), `${name}.${field.name}`);
      t.strictSame(Object.keys(got), Object.keys(field), `${name}.${field.name}: the same properties, in order`);
      // References point at the module's one schema object for that type (recursion tied, not copied).
      const target =
        got.kind === 'message'
          ? got.message
          : got.kind === 'map' && got.value.kind === 'message'
            ? got.value.message
            : undefined;
      if (target !== undefined)
        t.equal(target, messages.get(target.typeName), `${name}.${field.name} → the ${target.typeName} schema`);
      if (got.kind === 'enum')
        t.equal(got.enum, enums.get(got.enum.typeName), `${name}.${field.name} → the ${got.enum.typeName} schema`);
    });
  }
  for (const name of set.names('enum')) t.same(enums.get(name), set.enum(name), name);
  for (const name of set.names('service')) {
    const view = (def: ServiceDefinition) =>
      Object.values(def.methods).map((m) => [
        m.name,
        m.localName,
        m.path,
        m.shape,
        m.input.schema.typeName,
        m.output.schema.typeName,
      ]);
    t.same(view(services.get(name)!), view(set.service(name)), name);
  }
  const tree = messages.get('loader.test.Tree')!;
  t.equal((tree.fields[1] as { message?: unknown }).message, tree, 'a self-reference is the schema itself');
});

// ─── Compiled: tsc --strict, then run ────────────────────────────────────

const USAGE = `
import { createClient, Server, type ResponseStream } from '${rel(tmp)}';
import { UserInfo, type UserRequest, type UserResponse, type UserInfoClient, type UserInfoImplementation } from './gen/userinfo.js';
import { Kitchens, Kitchen_Mood, type Kitchen, type Pong, type Tree } from './gen/kitchen.js';
import { Color, type Oneofs, type Optionals } from './gen/golden.js';
import type { WellKnown } from './gen/wkt.js';
import type { Timestamp } from './gen/google/protobuf/timestamp.js';
import { Clash, MessageSchemaSchema, OuterSchemaSchema, RecordSchema, type Common, type Outer, type Outer_Inner, type Outer_Inner$, type OuterSchema$, type Record$ } from './gen/clash/main.js';
import { Level, type Common as ImportedCommon } from './gen/clash/dep.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(): T | undefined { return undefined; }

const client = createClient(UserInfo, 'localhost:1');
const answer = client.getUserInfo({ name: 'x' });
assertType<Equal<typeof answer, Promise<UserResponse>>>();
void client.GetUserInfo({});                         // the .proto name works too; sent fields may be left out
const named: UserInfoClient = client;
void named.close();
// @ts-expect-error a misspelt field
void client.getUserInfo({ nmae: 'x' });
// @ts-expect-error a number where a string goes
void client.getUserInfo({ name: 1 });
// @ts-expect-error no such method
void client.getUserInfos({ name: 'x' });
// @ts-expect-error a received message has all its scalar fields
const partial: UserResponse = { id: 1 };

const server = new Server();
server.add(UserInfo, {
  async getUserInfo(request, ctx) {
    assertType<Equal<typeof request, UserRequest>>();
    void ctx.metadata;
    return { id: 1, name: request.name };
  },
});
const implementation: UserInfoImplementation = { GetUserInfo: ({ name }) => ({ name, hobby: ['x'] }) };
server.add(UserInfo, implementation);
// @ts-expect-error a response field of the wrong type
server.add(UserInfo, { async getUserInfo() { return { id: '1' }; } });
// @ts-expect-error a handler for a method the service does not have
server.add(UserInfo, { async getUserInf() { return {}; } });

const kitchens = createClient(Kitchens, 'localhost:1');
const watch = kitchens.watch({ depth: 3 });
assertType<Equal<typeof watch, ResponseStream<Pong>>>();
const uploaded = kitchens.upload([{ label: 'a', children: [{ label: 'b' }] }]);
assertType<Equal<typeof uploaded, Promise<Tree>>>();
const chat = kitchens.chat((async function* () { yield { depth: 1 }; })());
void chat;
void kitchens.get({ big: 5n, mood: Kitchen_Mood.HAPPY, byName: { a: { plain: 1 } }, blobs: { true: new Uint8Array(1) } });
void kitchens.get({ big: 5 });                       // 64-bit fields also take numbers when sending
// @ts-expect-error but not strings
void kitchens.get({ big: '5' });
// @ts-expect-error bytes are Uint8Array
void kitchens.get({ blobs: { true: 'x' } });
// @ts-expect-error a streaming request takes an iterable of messages
void kitchens.upload({ label: 'a' });
server.add(Kitchens, {
  async *watch(ping) { for (let i = 0; i < ping.depth; i++) yield { pings: [{ depth: i }] }; },
  async upload(trees) { for await (const tree of trees) assertType<Equal<typeof tree, Tree>>(); return { label: 'x' }; },
});
// @ts-expect-error a server-streaming handler yields messages, it does not return one
server.add(Kitchens, { async watch() { return { pings: [] }; } });

assertType<Equal<Kitchen['big'], bigint>>();
assertType<Equal<Kitchen['byName'], Record<string, Kitchen>>>();
assertType<Equal<Kitchen['blobs'], Record<string, Uint8Array>>>();
assertType<Equal<NonNullable<WellKnown['ts']>, Timestamp>>();
assertType<Equal<Timestamp['seconds'], bigint>>();
assertType<Equal<Optionals['oInt32'], number | undefined>>();
const red: Color = Color.RED;
assertType<Equal<typeof Color.NEGATIVE, -1>>();
void red;

const clash = createClient(Clash, 'localhost:1');
const closed = clash.Close({ inner: { id: 'x' }, level: Level.HIGH });
assertType<Equal<typeof closed, Promise<Record$>>>();
assertType<Equal<ReturnType<typeof clash.close>, Promise<void>>>();   // the client's own close, not the method
assertType<Equal<Common['inner'], ImportedCommon | undefined>>();
assertType<Equal<Record$['children'], Record<string, Record$>>>();
assertType<Equal<Outer['inner'], Outer_Inner | undefined>>();
assertType<Equal<Outer_Inner$['b'], string>>();
assertType<Equal<OuterSchema$['outer'], Outer | undefined>>();
void [MessageSchemaSchema, OuterSchemaSchema, RecordSchema];

declare const oneofs: Oneofs;
if (oneofs.text !== undefined) assertType<Equal<typeof oneofs.num, undefined>>();
const one: Oneofs = { after: '', num: 1, flag: true };
// @ts-expect-error two members of one oneof
const two: Oneofs = { after: '', num: 1, text: 'x' };
void [partial, one, two];
`;

const WRONG = `
import { createClient } from '${rel(tmp)}';
import { UserInfo } from './gen/userinfo.js';
const client = createClient(UserInfo, 'localhost:1');
void client.getUserInfo({ nmae: 'x' });
void client.getUserInfo({ name: 42 });
`;

const ROUND_TRIP = `
import { Code, GrpcError, Server, codecFor, createClient, type MessageInit } from '${rel(tmp)}';
import { UserInfo } from './gen/userinfo.js';
import { Kitchens, Kitchen_Mood, type Tree } from './gen/kitchen.js';
import { Color, EverythingSchema, type Everything } from './gen/golden.js';

const server = new Server();
server.add(UserInfo, {
  async getUserInfo({ name }) {
    if (name !== 'foo') throw new GrpcError(Code.NOT_FOUND, 'no user ' + name);
    return { id: 1, name, age: 12, hobby: ['eating', 'sleep'] };
  },
});
server.add(Kitchens, {
  async get(k) {
    return { ...k, plain: k.plain + 1, big: k.big * 2n, byName: { self: { text: 'inner' } }, moodById: { '-5': Kitchen_Mood.GRUMPY } };
  },
  async *watch(ping) { for (let i = 0; i < ping.depth; i++) yield { ping: { depth: i }, pings: [{ depth: i }, { depth: -i }] }; },
  async upload(trees) {
    const children: Tree[] = [];
    for await (const tree of trees) children.push(tree);
    return { label: 'root', children };
  },
  async *chat(pings) { for await (const p of pings) yield { depth: p.depth * 10, pong: { ping: { depth: p.depth } } }; },
});
const address = await server.listen('127.0.0.1:0');
const target = '127.0.0.1:' + ('port' in address ? address.port : 0);
const users = createClient(UserInfo, target);
const kitchens = createClient(Kitchens, target);
const out: Record<string, unknown> = {};
try {
  out.user = await users.getUserInfo({ name: 'foo' });
  out.missing = await users.getUserInfo({ name: 'bar' }).then(() => 'resolved', (e: GrpcError) => [e.code, e.rawMessage]);
  out.kitchen = await kitchens.get({ plain: 1, big: 1n << 62n, nestedKitchen: { text: 'in a oneof' }, mood: Kitchen_Mood.HAPPY, maybe: 0 });
  const watched = [];
  for await (const pong of kitchens.watch({ depth: 3 })) watched.push(pong);
  out.watch = watched;
  out.upload = await kitchens.upload([{ label: 'a' }, { label: 'b', children: [{ label: 'c' }] }]);
  const chatted = [];
  for await (const p of kitchens.chat([{ depth: 1 }, { depth: 2 }])) chatted.push(p);
  out.chat = chatted;
  const init: MessageInit<Everything> = {
    color: Color.BLUE, userName: 'u', oneofs: { after: 'x', big: 7n, flag: true }, tree: { name: 't', children: [{ name: 'k' }] },
  };
  const codec = codecFor<Everything>(EverythingSchema);
  out.everything = codec.decode(codec.encode(init as Everything));
} finally {
  await users.close();
  await kitchens.close();
  await server.shutdown();
}
console.log(JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? v.toString() + 'n' : v)));
`;

t.test('tsc --strict: the generated code and correct usage compile; wrong usage fails', async (t) => {
  writeFileSync(path.join(tmp, 'usage.ts'), USAGE);
  writeFileSync(path.join(tmp, 'round-trip.ts'), ROUND_TRIP);
  writeFileSync(path.join(tmp, 'wrong.ts'), WRONG);
  const genFiles = readdirSync(GEN, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `gen/${f}`);
  // Emit too: rootDir '/' mirrors absolute paths under js/, so relative imports keep working.
  writeFileSync(
    path.join(tmp, 'tsconfig.json'),
    tsconfig([...genFiles, 'usage.ts', 'round-trip.ts'], {
      outDir: 'js',
      rootDir: '/',
      sourceMap: false,
      declaration: false,
    }),
  );
  // The wrong file, with the strictest settings for type stripping too (no TS enums, no namespaces…).
  writeFileSync(
    path.join(tmp, 'tsconfig.wrong.json'),
    tsconfig([...genFiles, 'wrong.ts'], { noEmit: true, erasableSyntaxOnly: true }),
  );
  const [good, bad] = await Promise.all([
    run(process.execPath, [TSC, '-p', 'tsconfig.json'], 200_000),
    run(process.execPath, [TSC, '-p', 'tsconfig.wrong.json'], 200_000),
  ]);
  t.equal(good.code, 0, 'compiles cleanly');
  t.equal(good.out, '', 'no diagnostics (every @ts-expect-error line has its error)');

  t.not(bad.code, 0, 'wrong usage fails to compile');
  const ours = bad.out.split('\n').filter((line) => /^(gen\/|wrong\.ts)/.test(line));
  t.match(ours.join('\n'), /wrong\.ts\(5,\d+\): error TS\d+:.*'nmae'/, 'a misspelt field is an error');
  t.match(
    ours.join('\n'),
    /wrong\.ts\(6,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/,
    'a number for a string is an error',
  );
  t.equal(
    ours.length,
    2,
    `exactly those two errors in our files (and none in gen/: type-strippable):\n${ours.join('\n')}`,
  );
});

t.test('compiled to JS: client and server from generated code only, no code generation from strings', async (t) => {
  const js = path.join(tmp, 'js');
  const script = path.join(js, ...tmp.split(path.sep).filter(Boolean), 'round-trip.js');
  mkdirSync(js, { recursive: true });
  writeFileSync(path.join(js, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(path.join(REPO, 'node_modules'), path.join(js, 'node_modules'), 'dir');
  const child = spawn(process.execPath, ['--disallow-code-generation-from-strings', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  t.teardown(() => {
    clearTimeout(timer);
    child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(code, 0, `exit code (stderr: ${stderr})`);
  const out = JSON.parse(stdout) as Record<string, any>;

  t.same(out.user, { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] }, 'unary');
  t.same(out.missing, [5, 'no user bar'], 'a handler error arrives as its code and message');
  t.match(
    out.kitchen,
    {
      plain: 2,
      big: `${2n ** 63n}n`,
      maybe: 0,
      mood: 1,
      nestedKitchen: { text: 'in a oneof' },
      byName: { self: { text: 'inner' } },
      moodById: { '-5': 2 },
    },
    'bigint, explicit presence, oneof, enums and maps survive the trip',
  );
  t.equal(out.kitchen.text, undefined, 'the other oneof member stays unset');
  t.same(
    out.watch.map((p: any) => [p.ping.depth, p.pings.map((q: any) => q.depth)]),
    [
      [0, [0, 0]],
      [1, [1, -1]],
      [2, [2, -2]],
    ],
    'server streaming',
  );
  t.same(
    out.upload.children.map((c: any) => [c.label, c.children.map((d: any) => d.label)]),
    [
      ['a', []],
      ['b', ['c']],
    ],
    'client streaming, recursion',
  );
  t.same(
    out.chat.map((p: any) => [p.depth, p.pong.ping.depth]),
    [
      [10, 1],
      [20, 2],
    ],
    'bidi, mutual recursion',
  );
  t.match(
    out.everything,
    { color: 3, userName: 'u', oneofs: { after: 'x', big: '7n', flag: true }, tree: { children: [{ name: 'k' }] } },
    'the generated golden schemas encode and decode',
  );
});
