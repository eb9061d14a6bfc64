// FileDescriptorProtos → ProtoSet (what the reflection client does with a
// server's answers). protoc writes the descriptors of our test protos; decoded
// with our codec and rebuilt, they must give the same schemas and services as
// loading the .proto files directly.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProtoSync } from '../../src/service/load.js';
import { decodeFileDescriptor, protoSetFromDescriptors } from '../../src/service/from-descriptor.js';
import { Reader } from '../../src/wire/proto/reader.js';

let protoc = true;
try {
  execFileSync('protoc', ['--version'], { stdio: 'ignore' });
} catch {
  protoc = false;
}
if (!protoc && process.env.CI === 'true') t.fail('protoc (protobuf-compiler) is required under CI');

const dir = mkdtempSync(join(tmpdir(), 'wiregrpc-fds-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** FileDescriptorSet bytes → its files (field 1, repeated FileDescriptorProto), decoded one by one. */
function filesOf(set: Uint8Array) {
  const r = new Reader(set);
  const files = [];
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 1 && wt === 2) {
      const end = r.delimited();
      files.push(decodeFileDescriptor(set.subarray(r.pos, end)));
      r.pos = end;
    } else {
      r.skip(wt, no);
    }
  }
  return files;
}

/** A schema as JSON, message references by name (schemas of recursive types are cyclic). */
function shape(schema: unknown): string {
  return JSON.stringify(schema, function (this: Record<string, unknown>, key, value) {
    if (key === 'message' && this.kind !== undefined) return (value as { typeName: string }).typeName;
    return typeof value === 'bigint' ? String(value) : value;
  });
}

const cases = [
  {
    name: 'proto3: scalars, repeated, maps, oneofs, optional, recursion, json_name',
    files: ['golden.proto'],
    includes: ['test/protos'],
  },
  { name: 'a service', files: ['userinfo.proto'], includes: ['proto'] },
  { name: 'well-known types through imports', files: ['wkt.proto'], includes: ['test/protos', '/usr/include'] },
  {
    name: 'proto2: required, packed, presence (a group is skipped by both)',
    files: ['legacy.proto'],
    includes: ['test/protos/loader', 'test/protos/loader/inc'],
  },
  { name: 'the interop test service', files: ['grpc/testing/test.proto'], includes: ['proto'] },
  { name: 'proto2: [default = …] of every kind', files: ['defaults.proto'], includes: ['test/wire/proto'] },
];

for (const c of cases) {
  t.test(c.name, { skip: !protoc && 'protoc not installed' }, async (t) => {
    const out = join(dir, 'set.pb');
    execFileSync('protoc', [
      ...c.includes.map((i) => `-I${i}`),
      '--include_imports',
      `--descriptor_set_out=${out}`,
      ...c.files,
    ]);
    const fromServer = protoSetFromDescriptors(filesOf(readFileSync(out)));
    const fromDisk = loadProtoSync(c.files, { includeDirs: c.includes });
    let compared = 0;
    for (const name of fromDisk.names('message')) {
      let expected: string;
      try {
        expected = shape(fromDisk.message(name));
      } catch {
        t.throws(() => fromServer.message(name), name + ' is refused by both');
        continue;
      }
      t.equal(shape(fromServer.message(name)), expected, name);
      compared++;
    }
    for (const name of fromDisk.names('service')) {
      const a = fromDisk.service(name);
      const b = fromServer.service(name);
      t.same(
        Object.values(b.methods).map((m) => [m.path, m.shape, m.input.schema.typeName, m.output.schema.typeName]),
        Object.values(a.methods).map((m) => [m.path, m.shape, m.input.schema.typeName, m.output.schema.typeName]),
        name,
      );
      compared++;
    }
    t.ok(compared > 0);
    t.same(fromServer.names('enum'), fromDisk.names('enum'));
  });
}

t.test(
  'a descriptor set missing an import: an Error naming the type',
  { skip: !protoc && 'protoc not installed' },
  async (t) => {
    const out = join(dir, 'partial.pb');
    execFileSync('protoc', ['-Itest/protos', '-I/usr/include', `--descriptor_set_out=${out}`, 'wkt.proto']); // no --include_imports
    t.throws(() => protoSetFromDescriptors(filesOf(readFileSync(out))), /google\.protobuf\./);
  },
);
