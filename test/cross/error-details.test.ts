/**
 * The rich error model across implementations: `grpc-status-details-bin`, one
 * google.rpc.Status with its details packed as Any, read and written by
 *
 * - grpc-go 1.33 with Debian's genproto errdetails (status.WithDetails on its server,
 *   status.FromError(err).Details() on its client), and
 * - @grpc/grpc-js, which leaves the header raw: the test decodes and encodes it with
 *   protobufjs, independently of wiregrpc's codec.
 *
 * Every server fails the name "bad" with INVALID_ARGUMENT "bad request: name = bad" and
 * the details BadRequest { name: "must not be bad" } and RetryInfo { 2.5 s }.
 *
 * And relaying: a wiregrpc server whose handler rethrows a grpc-go backend's error sends
 * the code and message, not the backend's details and trailers; one that passes the
 * details on (a new GrpcError with err.details) sends them, as its own.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '../../src/service/client.js';
import { loadProtoSync } from '../../src/service/load.js';
import { Server } from '../../src/service/server.js';
import { BadRequest, RetryInfo, detail } from '../../src/service/rpc/error-details.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError, isWireError } from '../../src/wire/grpc/error.js';
import { Metadata } from '../../src/wire/grpc/metadata.js';
import {
  DEBIAN_GOPATH,
  REPO_ROOT,
  PEERS_DIR,
  buildGo,
  goToolchain,
  peerTest,
  runPeer,
  spawnPeer,
  type Toolchain,
} from '../helpers/peers.js';

const PROTO = 'proto/userinfo.proto';
const UserInfo = loadProtoSync(join(REPO_ROOT, PROTO)).service('proto.UserInfo');
const ERRDETAILS = join(DEBIAN_GOPATH, 'src/google.golang.org/genproto/googleapis/rpc/errdetails');
/** grpc-go and the genproto errdetails package its status details are decoded with. */
const go: Toolchain[] = [
  goToolchain(),
  {
    name: 'genproto',
    ...(existsSync(ERRDETAILS)
      ? {}
      : { missing: `${ERRDETAILS} not found (apt-get install golang-google-genproto-dev)` }),
  },
];
const goBinaries = () =>
  buildGo({ protos: [PROTO], mains: [join(PEERS_DIR, 'go/details_server'), join(PEERS_DIR, 'go/details_client')] });

const MESSAGE = 'bad request: name = bad';
const BAD_REQUEST = { fieldViolations: [{ field: 'name', description: 'must not be bad' }] };
/** A detail type no peer knows: it must reach them as an Any they cannot unpack, never as a failed call. */
const UNKNOWN_DETAIL = { typeUrl: 'type.googleapis.com/wiregrpc.test.Unknown', value: new Uint8Array([0x08, 0x01]) };

/** What grpc-go's client prints for the "bad" status with BadRequest and RetryInfo. */
const GO_SEES = [
  'code: InvalidArgument',
  `message: ${MESSAGE}`,
  'detail: BadRequest name: must not be bad',
  'detail: RetryInfo 2.5s',
];

/** The error every wiregrpc server here throws for "bad". */
function badRequest(extra: { metadata?: Metadata } = {}): GrpcError {
  return new GrpcError(Code.INVALID_ARGUMENT, MESSAGE, {
    details: [
      detail(BadRequest, BAD_REQUEST),
      detail(RetryInfo, { retryDelay: { seconds: 2, nanos: 500_000_000 } }),
      UNKNOWN_DETAIL,
    ],
    ...extra,
  });
}

/** A wiregrpc server for proto.UserInfo; `bad` fails with details, others per `handle`. */
async function startOurServer(
  t: Test,
  handle: (name: string) => Promise<never> = async () => {
    throw badRequest({ metadata: new Metadata({ 'x-server': 'wiregrpc' }) });
  },
): Promise<string> {
  const server = new Server();
  server.add(UserInfo, {
    getUserInfo: async ({ name }: { name: string }) => handle(name),
  });
  const address = await server.listen('127.0.0.1:0');
  t.teardown(() => server.forceShutdown());
  if (!('port' in address)) throw new Error('expected a TCP address');
  return `127.0.0.1:${address.port}`;
}

/** The error a wiregrpc client gets for `name` from `target`. */
async function ourCall(t: Test, target: string, name = 'bad'): Promise<GrpcError> {
  const client = createClient(UserInfo, target);
  t.teardown(() => client.close());
  const err = await client.getUserInfo({ name }, { timeout: 10_000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof GrpcError)) throw new Error(`expected a GrpcError, got ${String(err)}`);
  return err;
}

/** What a wiregrpc client must see of the "bad" status from any server. */
function checkOurClient(t: Test, err: GrpcError) {
  t.equal(err.code, Code.INVALID_ARGUMENT);
  t.equal(err.rawMessage, MESSAGE);
  t.ok(isWireError(err), 'marked as received from a peer');
  t.same(err.findDetails(BadRequest), [
    { fieldViolations: [{ field: 'name', description: 'must not be bad', reason: '', localizedMessage: undefined }] },
  ]);
  t.same(err.findDetails(RetryInfo), [{ retryDelay: { seconds: 2n, nanos: 500_000_000 } }]);
}

// ---------------------------------------------------------------------------
// grpc-go

void peerTest(t, 'grpc-go server → wiregrpc client: findDetails(BadRequest), findDetails(RetryInfo)', go, async (t) => {
  const { details_server: bin } = await goBinaries();
  const backend = await spawnPeer(t, bin!, ['-port', '0']);
  const err = await ourCall(t, `127.0.0.1:${backend.port}`);
  checkOurClient(t, err);
  t.equal(err.details.length, 2);
  t.equal(err.metadata.get('x-backend'), 'go', "the backend's trailer, for the caller to see");
  const plain = await ourCall(t, `127.0.0.1:${backend.port}`, 'nobody');
  t.equal(plain.code, Code.NOT_FOUND);
  t.same(plain.details, [], 'a status without details has none');
});

void peerTest(t, 'wiregrpc server → grpc-go client: status.FromError(err).Details()', go, async (t) => {
  const { details_client: bin } = await goBinaries();
  const target = await startOurServer(t);
  const run = await runPeer(bin!, ['-target', target, '-name', 'bad']);
  t.equal(run.code, 1, `exit 1 (stderr: ${run.stderr})`);
  const lines = run.stdout.trim().split('\n');
  t.same(lines.slice(0, 4), GO_SEES);
  t.match(
    lines[4],
    /^detail: error .*wiregrpc\.test\.Unknown/,
    'a type grpc-go does not know: an error in the list, the rest still read',
  );
  t.same(lines.slice(5), ['trailer x-server: wiregrpc']);
});

void peerTest(
  t,
  'relayed: a wiregrpc handler rethrows a grpc-go backend error; a grpc-go client sees code and message only',
  go,
  async (t) => {
    const { details_server: server, details_client: client } = await goBinaries();
    const backend = await spawnPeer(t, server!, ['-port', '0']);
    const toBackend = createClient(UserInfo, `127.0.0.1:${backend.port}`);
    t.teardown(() => toBackend.close());
    const target = await startOurServer(t, async (name) => {
      try {
        await toBackend.getUserInfo({ name: 'bad' }, { timeout: 10_000 });
      } catch (err) {
        if (name === 'forward' && err instanceof GrpcError)
          throw new GrpcError(err.code, err.rawMessage, { details: err.details });
        throw err;
      }
      throw new Error('the backend should have failed');
    });
    const relayed = await runPeer(client!, ['-target', target, '-name', 'relay']);
    t.same(
      relayed.stdout.trim().split('\n'),
      ['code: InvalidArgument', `message: ${MESSAGE}`],
      'no details, no x-backend',
    );
    const forwarded = await runPeer(client!, ['-target', target, '-name', 'forward']);
    t.same(forwarded.stdout.trim().split('\n'), GO_SEES, 'the details the handler passed on; still no x-backend');
  },
);

// ---------------------------------------------------------------------------
// grpc-js, with the header decoded and encoded by protobufjs

const rpc = protobuf.loadSync(
  ['status.proto', 'error_details.proto'].map((f) => join(REPO_ROOT, 'proto/google/rpc', f)),
);
const StatusPb = rpc.lookupType('google.rpc.Status');
const BadRequestPb = rpc.lookupType('google.rpc.BadRequest');
const RetryInfoPb = rpc.lookupType('google.rpc.RetryInfo');
const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(join(REPO_ROOT, PROTO))) as unknown as {
  proto: { UserInfo: grpc.ServiceClientConstructor };
};

t.test('grpc-js server (details encoded by protobufjs) → wiregrpc client', async (t) => {
  const server = new grpc.Server();
  const status = StatusPb.encode({
    code: Code.INVALID_ARGUMENT,
    message: MESSAGE,
    details: [
      { type_url: 'type.googleapis.com/google.rpc.BadRequest', value: BadRequestPb.encode(BAD_REQUEST).finish() },
      {
        type_url: 'type.googleapis.com/google.rpc.RetryInfo',
        value: RetryInfoPb.encode({ retryDelay: { seconds: 2, nanos: 500_000_000 } }).finish(),
      },
    ],
  }).finish();
  server.addService(pkg.proto.UserInfo.service, {
    getUserInfo: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
      const metadata = new grpc.Metadata();
      metadata.set('grpc-status-details-bin', Buffer.from(status));
      callback({ code: grpc.status.INVALID_ARGUMENT, details: MESSAGE, metadata });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  t.teardown(() => server.forceShutdown());
  checkOurClient(t, await ourCall(t, `127.0.0.1:${port}`));
});

t.test('wiregrpc server → grpc-js client (the raw header decoded by protobufjs)', async (t) => {
  const target = await startOurServer(t);
  const client = new pkg.proto.UserInfo(target, grpc.credentials.createInsecure());
  t.teardown(() => client.close());
  const err = await new Promise<grpc.ServiceError>((resolve, reject) =>
    (client as unknown as { getUserInfo: (r: unknown, cb: (e: grpc.ServiceError | null) => void) => void }).getUserInfo(
      { name: 'bad' },
      (e) => (e ? resolve(e) : reject(new Error('the call should fail'))),
    ),
  );
  t.equal(err.code, grpc.status.INVALID_ARGUMENT);
  t.equal(err.details, MESSAGE);
  const [raw] = err.metadata.get('grpc-status-details-bin') as Buffer[];
  const status = StatusPb.toObject(StatusPb.decode(raw!), { longs: Number }) as {
    code: number;
    message: string;
    details: { type_url: string; value: Uint8Array }[];
  };
  t.equal(status.code, Code.INVALID_ARGUMENT, 'the Status repeats grpc-status');
  t.equal(status.message, MESSAGE, 'and grpc-message');
  t.same(
    status.details.map((d) => d.type_url),
    [
      'type.googleapis.com/google.rpc.BadRequest',
      'type.googleapis.com/google.rpc.RetryInfo',
      'type.googleapis.com/wiregrpc.test.Unknown',
    ],
  );
  t.same(BadRequestPb.toObject(BadRequestPb.decode(status.details[0]!.value)), BAD_REQUEST);
  t.same(RetryInfoPb.toObject(RetryInfoPb.decode(status.details[1]!.value), { longs: Number }), {
    retryDelay: { seconds: 2, nanos: 500_000_000 },
  });
  t.same([...status.details[2]!.value], [...UNKNOWN_DETAIL.value], 'an Any we made up, byte for byte');
  t.equal(err.metadata.get('x-server')[0], 'wiregrpc');
});
