// The rich error model's types (proto/google/rpc/*.proto), as wiregrpc/core ships them:
// - the .proto files are wire-identical to googleapis': every message, field number, type
//   and label matches the descriptors compiled into Debian's genproto (the Go code that
//   grpc-go's status package uses), and ours add only the fields googleapis added since;
// - google.rpc.Code is our Code, number for number;
// - the generated schemas are what `wiregrpc gen` makes of the .proto files today;
// - typed: `detail(BadRequest, {...})` checks the value, `findDetails(BadRequest)` returns
//   BadRequest values, and a round trip through the trailers gives back what was sent.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseArgs } from '../../src/cli/args.js';
import { verb } from '../../src/cli/gen.js';
import type { Io } from '../../src/cli/io.js';
import {
  BadRequest,
  Code,
  DebugInfo,
  ERROR_DETAIL_TYPES,
  ErrorInfo,
  GrpcError,
  Help,
  LocalizedMessage,
  type MessageType,
  PreconditionFailure,
  QuotaFailure,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
  StatusSchema,
  codecFor,
  detail,
} from '../../src/service/core.js';
import { fileDescriptorCodec } from '../../src/service/descriptor.js';
import { loadProtoSync } from '../../src/service/load.js';
import { detailsToJson } from '../../src/service/rpc/details-json.js';
import { type Duration, DurationSchema } from '../../src/service/rpc/gen/google/protobuf/duration.js';
import { anyPack } from '../../src/wire/grpc/any.js';
import { statusFromTrailers, statusToTrailers } from '../../src/wire/grpc/status.js';
import { IS_CI } from '../helpers/peers.js';

const GENPROTO = '/usr/share/gocode/src/google.golang.org/genproto/googleapis/rpc';
const PROTOS = ['status', 'code', 'error_details'].map((name) => `proto/google/rpc/${name}.proto`);

type Value = Record<string, unknown>;
const DESCRIPTOR_PROTO = path.join(
  path.dirname(createRequire(import.meta.url).resolve('protobufjs/package.json')),
  'google/protobuf/descriptor.proto',
);

/** The FileDescriptorProto compiled into a genproto .pb.go file (a gzipped byte literal). */
function genprotoDescriptor(file: string): Value {
  const go = readFileSync(file, 'utf8');
  const literal = /var fileDescriptor_[0-9a-f]+ = \[\]byte\{([^}]*)\}/.exec(go);
  if (literal === null) throw new Error(`${file}: no fileDescriptor byte literal`);
  const bytes = [...literal[1]!.matchAll(/0x([0-9a-f]{2})/g)].map((m) => parseInt(m[1]!, 16));
  return fileDescriptorCodec().decode(gunzipSync(Uint8Array.from(bytes)));
}

/** What protoc makes of our .proto files. */
function ourDescriptors(): Map<string, Value> {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'wiregrpc-rpc-')), 'set.bin');
  try {
    execFileSync('protoc', ['-Iproto', '-I/usr/include', `--descriptor_set_out=${out}`, ...PROTOS]);
    const set = loadProtoSync(DESCRIPTOR_PROTO).codec('google.protobuf.FileDescriptorSet').decode(readFileSync(out));
    return new Map((set.file as Value[]).map((f) => [f.name as string, f]));
  } finally {
    rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

/** `pkg.Msg.field` → "number label type type_name", for every field of every message. */
function fieldsOf(file: Value): Map<string, string> {
  const fields = new Map<string, string>();
  const walk = (prefix: string, messages: Value[]) => {
    for (const m of messages) {
      const name = `${prefix}.${m.name as string}`;
      fields.set(name, 'message');
      for (const f of m.field as Value[])
        fields.set(
          `${name}.${f.name as string}`,
          `${f.number as number} ${f.label as number} ${f.type as number} ${(f.typeName as string) || '-'}`,
        );
      walk(name, m.nestedType as Value[]);
    }
  };
  walk(file.package as string, file.messageType as Value[]);
  for (const e of file.enumType as Value[])
    for (const v of e.value as Value[])
      fields.set(`${file.package as string}.${e.name as string}.${v.name as string}`, String(v.number));
  return fields;
}

/** Fields googleapis added to error_details.proto after the snapshot Debian's genproto was made from. */
const ADDED_SINCE_GENPROTO = [
  'google.rpc.BadRequest.FieldViolation.reason',
  'google.rpc.BadRequest.FieldViolation.localized_message',
  'google.rpc.QuotaFailure.Violation.api_service',
  'google.rpc.QuotaFailure.Violation.quota_metric',
  'google.rpc.QuotaFailure.Violation.quota_id',
  'google.rpc.QuotaFailure.Violation.quota_dimensions',
  'google.rpc.QuotaFailure.Violation.QuotaDimensionsEntry',
  'google.rpc.QuotaFailure.Violation.QuotaDimensionsEntry.key',
  'google.rpc.QuotaFailure.Violation.QuotaDimensionsEntry.value',
  'google.rpc.QuotaFailure.Violation.quota_value',
  'google.rpc.QuotaFailure.Violation.future_quota_value',
];

const haveGenproto = existsSync(path.join(GENPROTO, 'errdetails/error_details.pb.go'));
let haveProtoc = true;
try {
  execFileSync('protoc', ['--version'], { stdio: 'ignore' });
} catch {
  haveProtoc = false;
}
const missing = !haveGenproto
  ? `${GENPROTO} not found (apt-get install golang-google-genproto-dev)`
  : !haveProtoc
    ? 'protoc not found (apt-get install protobuf-compiler)'
    : undefined;

t.test(
  'wire-identical to googleapis (the descriptors in Debian genproto)',
  { skip: IS_CI ? false : missing },
  async (t) => {
    if (missing !== undefined) return void t.fail(`under CI: ${missing}`);
    const ours = ourDescriptors();
    for (const [proto, go] of [
      ['google/rpc/status.proto', 'status/status.pb.go'],
      ['google/rpc/code.proto', 'code/code.pb.go'],
      ['google/rpc/error_details.proto', 'errdetails/error_details.pb.go'],
    ] as const) {
      const theirs = genprotoDescriptor(path.join(GENPROTO, go));
      const mine = ours.get(proto)!;
      t.equal(mine.package, theirs.package, `${proto}: package`);
      t.same(mine.dependency, theirs.dependency, `${proto}: imports`);
      t.equal(
        (mine.options as Value | undefined)?.goPackage,
        (theirs.options as Value | undefined)?.goPackage,
        `${proto}: go_package`,
      );
      const a = fieldsOf(theirs);
      const b = fieldsOf(mine);
      for (const [name, shape] of a) t.equal(b.get(name), shape, `${proto}: ${name}`);
      const extra = [...b.keys()].filter((name) => !a.has(name));
      const added = proto === 'google/rpc/error_details.proto' ? ADDED_SINCE_GENPROTO : [];
      t.same(extra.sort(), [...added].sort(), `${proto}: nothing beyond what googleapis added since`);
    }
  },
);

t.test('google.rpc.Code is Code, number for number', async (t) => {
  const set = loadProtoSync('proto/google/rpc/code.proto');
  const values = set.root.lookupEnum('google.rpc.Code').values;
  t.equal(Object.keys(values).length, 17);
  for (const [name, no] of Object.entries(values)) t.equal((Code as unknown as Record<string, number>)[name], no, name);
});

t.test('the generated schemas are what wiregrpc gen makes of the .proto files', async (t) => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'wiregrpc-rpc-gen-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const io = { stdin: process.stdin, stdout: { write: () => true }, stderr: process.stderr } as unknown as Io;
  const runs = [
    {
      proto: 'google/rpc/status.proto',
      dir: 'src/wire/grpc/gen',
      runtime: '../../proto/schema.js',
    },
    {
      proto: 'google/rpc/error_details.proto',
      dir: 'src/service/rpc/gen',
      runtime: '../../../wire/proto/schema.js',
    },
  ];
  for (const { proto, dir, runtime } of runs) {
    const out = path.join(tmp, dir);
    const argv = [`proto/${proto}`, '-I', 'proto', '--out', out, '--runtime-import', runtime];
    t.equal(await verb.run(parseArgs(argv, verb.flags), io), 0);
    const files = (d: string) => readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    const names = (d: string) =>
      files(d)
        .map((e) => path.relative(d, path.join(e.parentPath, e.name)))
        .sort();
    t.same(names(out), names(dir), `${dir}: the same files`);
    for (const name of names(out))
      t.equal(
        readFileSync(path.join(out, name), 'utf8'),
        readFileSync(path.join(dir, name), 'utf8'),
        `regenerate: node dist/src/cli/main.js gen proto/${proto} -I proto --out ${dir} --runtime-import ${runtime}`,
      );
  }
});

t.test("the schemas are the loader's, field by field", async (t) => {
  const set = loadProtoSync(PROTOS);
  for (const type of [...ERROR_DETAIL_TYPES.map((t) => t.schema), StatusSchema]) {
    const loaded = set.codec(type.typeName).schema;
    const shape = (s: typeof type) =>
      s.fields.map((f) => [f.no, f.name, f.kind, 'scalar' in f ? f.scalar : '', !!f.optional]);
    t.same(shape(type), shape(loaded), type.typeName);
  }
});

t.test('a round trip: detail() on the server, findDetails() on the client', async (t) => {
  const sent = new GrpcError(Code.INVALID_ARGUMENT, 'bad request', {
    details: [
      detail(BadRequest, {
        fieldViolations: [
          { field: 'name', description: 'must not be empty' },
          {
            field: 'age',
            description: 'must be positive',
            reason: 'NEGATIVE',
            localizedMessage: { locale: 'fr', message: 'âge négatif' },
          },
        ],
      }),
      detail(RetryInfo, { retryDelay: { seconds: 2, nanos: 500_000_000 } }),
      detail(ErrorInfo, { reason: 'INVALID', domain: 'example.com', metadata: { field: 'age' } }),
      detail(QuotaFailure, { violations: [{ subject: 'project:x', quotaValue: 10n, futureQuotaValue: 20 }] }),
      detail(DebugInfo, { stackEntries: ['a', 'b'], detail: 'x' }),
      detail(PreconditionFailure, { violations: [{ type: 'TOS', subject: 'google.com/cloud' }] }),
      detail(RequestInfo, { requestId: 'r-1' }),
      detail(ResourceInfo, { resourceType: 'user', resourceName: 'zoë' }),
      detail(Help, { links: [{ description: 'docs', url: 'https://example.com' }] }),
      detail(LocalizedMessage, { locale: 'en-US', message: 'Check the name' }),
    ],
  });
  const got = statusFromTrailers(statusToTrailers(sent))!;
  t.equal(got.details.length, 10);
  t.same(got.findDetails(BadRequest), [
    {
      fieldViolations: [
        { field: 'name', description: 'must not be empty', reason: '', localizedMessage: undefined },
        {
          field: 'age',
          description: 'must be positive',
          reason: 'NEGATIVE',
          localizedMessage: { locale: 'fr', message: 'âge négatif' },
        },
      ],
    },
  ]);
  t.same(got.findDetails(RetryInfo), [{ retryDelay: { seconds: 2n, nanos: 500_000_000 } }]);
  t.same(got.findDetails(ErrorInfo)[0]?.metadata, { field: 'age' });
  const quota = got.findDetails(QuotaFailure)[0]!.violations[0]!;
  t.equal(quota.quotaValue, 10n);
  t.equal(quota.futureQuotaValue, 20n, 'explicit presence: an optional int64');
  t.same(got.findDetails(Help)[0]?.links, [{ description: 'docs', url: 'https://example.com' }]);
  t.equal(got.findDetails(ResourceInfo)[0]?.resourceName, 'zoë');
  t.same(got.findDetails(LocalizedMessage), [{ locale: 'en-US', message: 'Check the name' }]);
  t.same(
    got.details.map((d) => d.typeUrl),
    ERROR_DETAIL_TYPES.map((type) => `type.googleapis.com/${type.schema.typeName}`).sort((a, b) => order(a) - order(b)),
  );
  function order(url: string): number {
    return [
      'BadRequest',
      'RetryInfo',
      'ErrorInfo',
      'QuotaFailure',
      'DebugInfo',
      'PreconditionFailure',
      'RequestInfo',
      'ResourceInfo',
      'Help',
      'LocalizedMessage',
    ].indexOf(url.slice(url.lastIndexOf('.') + 1));
  }
});

t.test("a value that does not fit its type is the program's mistake, reported by detail()", async (t) => {
  t.throws(() => detail(RequestInfo, { requestId: 7 as unknown as string }));
});

t.test('types: what TypeScript accepts and refuses (checked by tsc, run by the typecheck)', async (t) => {
  const ok = detail(BadRequest, { fieldViolations: [{ field: 'x' }] });
  // @ts-expect-error -- not a field of FieldViolation
  detail(BadRequest, { fieldViolations: [{ feild: 'x' }] });
  // @ts-expect-error -- a RetryInfo value is not a BadRequest
  detail(BadRequest, { retryDelay: { seconds: 1 } });
  const err = new GrpcError(Code.INVALID_ARGUMENT, 'x', { details: [ok] });
  const found: BadRequest[] = err.findDetails(BadRequest);
  // @ts-expect-error -- findDetails(RetryInfo) gives RetryInfo values
  const wrong: BadRequest[] = err.findDetails(RetryInfo);
  interface Mine {
    note: string;
  }
  const Mine: MessageType<Mine> = codecFor<Mine>({
    typeName: 'test.Mine',
    fields: [{ no: 1, name: 'note', localName: 'note', jsonName: 'note', kind: 'scalar', scalar: 'string' }],
  });
  const mine: Mine[] = new GrpcError(Code.INTERNAL, '', { details: [detail(Mine, { note: 'n' })] }).findDetails(Mine);
  t.same(mine, [{ note: 'n' }]);
  t.equal(found.length, 1);
  t.equal(wrong.length, 0);
});

t.test('detailsToJson: the JSON form of Any; what cannot be read is shown as bytes', async (t) => {
  const duration = codecFor<Duration>(DurationSchema);
  const details = [
    detail(ErrorInfo, { reason: 'R', domain: 'd' }),
    { typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: new Uint8Array([0x0a, 5]) }, // truncated
    anyPack(duration, { seconds: 3n, nanos: 0 }),
    { typeUrl: 'example.com/x.Y', value: new Uint8Array([1]) },
  ];
  const known = new Map([['google.protobuf.Duration', duration]]);
  t.same(await detailsToJson(details, (name) => Promise.resolve(known.get(name))), [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'R', domain: 'd' },
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', '@bytes': 'CgU=' },
    { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '3s' },
    { '@type': 'example.com/x.Y', '@bytes': 'AQ==' },
  ]);
  t.same(
    await detailsToJson(details.slice(3), () => Promise.reject(new Error('reflection down'))),
    [{ '@type': 'example.com/x.Y', '@bytes': 'AQ==' }],
    'a resolver that fails is a type not found',
  );
});
