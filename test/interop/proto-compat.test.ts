// Our proto/grpc/testing/*.proto are written from the interop spec, not copied.
// This test holds them against the official ones (Debian's grpc-proto package)
// field by field: any other implementation's interop client or server must be
// able to talk to ours, and that only depends on names, numbers, types and
// labels — never on comments.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import protobuf from 'protobufjs';

const OURS = resolve(import.meta.dirname, '../../proto');
const OFFICIAL = '/usr/share/grpc-proto';
const FILES = ['grpc/testing/test.proto', 'grpc/testing/messages.proto', 'grpc/testing/empty.proto'];

/** The messages the interop cases send and receive: these must match exactly. */
const INTEROP_MESSAGES = [
  'Empty',
  'BoolValue',
  'Payload',
  'EchoStatus',
  'SimpleRequest',
  'SimpleResponse',
  'StreamingInputCallRequest',
  'StreamingInputCallResponse',
  'ResponseParameters',
  'StreamingOutputCallRequest',
  'StreamingOutputCallResponse',
  'ReconnectParams',
  'ReconnectInfo',
];
const INTEROP_ENUMS = ['PayloadType'];
const INTEROP_SERVICES = ['TestService', 'UnimplementedService'];

function load(dir: string): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('/') ? target : join(dir, target));
  root.loadSync(FILES, { keepCase: true });
  root.resolveAll();
  return root;
}

function fieldShape(f: protobuf.Field): string {
  const label = f.map ? 'map' : f.repeated ? 'repeated' : f.options?.proto3_optional ? 'optional' : 'singular';
  const type = f.resolvedType ? f.resolvedType.fullName : f.type;
  const key = f instanceof protobuf.MapField ? `<${f.keyType}>` : '';
  const oneof = f.partOf && !f.partOf.name.startsWith('_') ? ` oneof ${f.partOf.name}` : '';
  return `${f.id} ${label}${key} ${type}${oneof}`;
}

function messageFields(type: protobuf.Type): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of type.fieldsArray) out[f.name] = fieldShape(f);
  return out;
}

function methodShapes(service: protobuf.Service): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of service.methodsArray) {
    m.resolve();
    out[m.name] =
      `${m.requestStream ? 'stream ' : ''}${m.resolvedRequestType!.fullName} -> ${m.responseStream ? 'stream ' : ''}${m.resolvedResponseType!.fullName}`;
  }
  return out;
}

const ours = load(OURS);

t.test('our interop protos parse and define the interop services', async (t) => {
  for (const s of INTEROP_SERVICES) t.ok(ours.lookupService(`grpc.testing.${s}`), s);
  const unary = ours.lookupService('grpc.testing.TestService').methods['UnaryCall']!;
  t.equal(unary.requestType, 'SimpleRequest');
  // Spot-check a few field numbers from the spec independently of any other file.
  const req = ours.lookupType('grpc.testing.SimpleRequest');
  t.equal(req.fields['response_size']!.id, 2);
  t.equal(req.fields['response_compressed']!.id, 6);
  t.equal(req.fields['response_status']!.id, 7);
  t.equal(req.fields['expect_compressed']!.id, 8);
  t.equal(ours.lookupType('grpc.testing.StreamingOutputCallRequest').fields['response_status']!.id, 7);
});

const haveOfficial = existsSync(join(OFFICIAL, FILES[0]!));
if (!haveOfficial && process.env.CI === 'true') {
  t.fail(
    `${OFFICIAL} is missing (Debian package grpc-proto): cannot check our interop protos against the official ones`,
  );
}

t.test(
  'our interop protos match the official grpc/testing protos',
  { skip: haveOfficial ? false : `${OFFICIAL} not installed (apt-get install grpc-proto)` },
  async (t) => {
    const official = load(OFFICIAL);

    for (const name of INTEROP_MESSAGES) {
      const mine = ours.lookupType(`grpc.testing.${name}`);
      const theirs = official.lookupType(`grpc.testing.${name}`);
      t.same(messageFields(mine), messageFields(theirs), `message ${name}: same fields, numbers, types and labels`);
    }
    for (const name of INTEROP_ENUMS) {
      t.same(
        ours.lookupEnum(`grpc.testing.${name}`).values,
        official.lookupEnum(`grpc.testing.${name}`).values,
        `enum ${name}`,
      );
    }
    for (const name of INTEROP_SERVICES) {
      t.same(
        methodShapes(ours.lookupService(`grpc.testing.${name}`)),
        methodShapes(official.lookupService(`grpc.testing.${name}`)),
        `service ${name}: same methods and shapes`,
      );
    }

    // Everything else we declare must at least agree with the official
    // definition wherever both have a field or method (newer official protos may add more).
    for (const obj of walk(ours.lookup('grpc.testing') as protobuf.Namespace)) {
      const other = official.lookup(obj.fullName);
      if (!other) {
        t.fail(`${obj.fullName} is ours only: the official protos do not define it`);
        continue;
      }
      if (obj instanceof protobuf.Type) {
        const theirs = messageFields(other as protobuf.Type);
        for (const [field, shape] of Object.entries(messageFields(obj))) {
          if (theirs[field] !== shape) t.fail(`${obj.fullName}.${field}: ours "${shape}", official "${theirs[field]}"`);
        }
      } else if (obj instanceof protobuf.Service) {
        const theirs = methodShapes(other as protobuf.Service);
        for (const [method, shape] of Object.entries(methodShapes(obj))) {
          if (theirs[method] !== shape)
            t.fail(`${obj.fullName}/${method}: ours "${shape}", official "${theirs[method]}"`);
        }
      } else if (obj instanceof protobuf.Enum) {
        for (const [value, no] of Object.entries(obj.values)) {
          if ((other as protobuf.Enum).values[value] !== no)
            t.fail(`${obj.fullName}.${value}: ours ${no}, official ${(other as protobuf.Enum).values[value]}`);
        }
      }
    }
  },
);

function* walk(ns: protobuf.Namespace): Generator<protobuf.ReflectionObject> {
  for (const obj of ns.nestedArray) {
    yield obj;
    if (obj instanceof protobuf.Namespace) yield* walk(obj);
  }
}
