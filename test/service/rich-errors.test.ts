// The rich error model through a real call, wiregrpc on both ends over 127.0.0.1:
// - a handler throws a GrpcError with details; the client's error has them, typed, whether
//   the status ends a Trailers-Only response or follows response messages;
// - a client error that came off the wire is marked; a handler that rethrows it relays its
//   code and message, never the backend's trailers and details, while the handler's own
//   trailers still go out;
// - a grpc-status-details-bin that is not a google.rpc.Status leaves the status intact.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { createClient } from '../../src/service/client.js';
import type { ServerContext } from '../../src/service/context.js';
import { loadProtoSync } from '../../src/service/load.js';
import { BadRequest, ErrorInfo, detail } from '../../src/service/rpc/error-details.js';
import { Server } from '../../src/service/server.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError, isWireError } from '../../src/wire/grpc/error.js';
import { Metadata } from '../../src/wire/grpc/metadata.js';
import { createWebClient } from '../../src/web/client.js';

const PROTO = join(import.meta.dirname, '../protos/echo.proto');
const Echo = loadProtoSync(PROTO).service('wiregrpc.test.Echo');
interface Req {
  text: string;
}

const invalid = (text: string) =>
  new GrpcError(Code.INVALID_ARGUMENT, `bad text ${JSON.stringify(text)}`, {
    details: [detail(BadRequest, { fieldViolations: [{ field: 'text', description: 'must not be empty' }] })],
    metadata: new Metadata({ 'x-backend-secret': 'db-7.internal' }),
  });

async function serve(t: Test, implementation: Record<string, unknown>): Promise<string> {
  const server = new Server();
  server.add(Echo, implementation);
  const address = await server.listen('127.0.0.1:0');
  t.teardown(() => server.forceShutdown());
  if (!('port' in address)) throw new Error('expected a TCP address');
  return `127.0.0.1:${address.port}`;
}

function client(t: Test, target: string) {
  const c = createClient(Echo, target);
  t.teardown(() => c.close());
  return c as unknown as {
    unary(r: { text: string }, o?: object): Promise<unknown>;
    serverStream(r: { text: string }, o?: object): AsyncIterable<{ text: string }>;
  };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('the call should fail');
    },
    (e: unknown) => e as GrpcError,
  );

t.test('a Trailers-Only status carries the details', async (t) => {
  const target = await serve(t, {
    unary: (r: Req) => {
      throw invalid(r.text);
    },
  });
  const err = await failure(client(t, target).unary({ text: '' }));
  t.equal(err.code, Code.INVALID_ARGUMENT);
  t.equal(err.rawMessage, 'bad text ""');
  t.same(
    err.findDetails(BadRequest)[0]?.fieldViolations.map((v) => v.field),
    ['text'],
  );
  t.equal(
    err.metadata.get('x-backend-secret'),
    'db-7.internal',
    "an error's own metadata is sent: it is this server's",
  );
  t.ok(isWireError(err));
});

t.test('a status after response messages carries the details', async (t) => {
  const target = await serve(t, {
    serverStream: async function* (r: Req) {
      yield { text: 'one' };
      throw new GrpcError(Code.ABORTED, 'stopped', {
        details: [detail(ErrorInfo, { reason: 'STOPPED', domain: 'test' })],
      });
    },
  });
  const got: string[] = [];
  const err = await failure(
    (async () => {
      for await (const reply of client(t, target).serverStream({ text: 'x' })) got.push(reply.text);
    })(),
  );
  t.same(got, ['one']);
  t.equal(err.code, Code.ABORTED);
  t.same(err.findDetails(ErrorInfo), [{ reason: 'STOPPED', domain: 'test', metadata: {} }]);
});

t.test(
  "a handler that rethrows a backend's error relays its code and message, not its trailers and details",
  async (t) => {
    const backend = client(
      t,
      await serve(t, {
        unary: (r: Req) => {
          throw invalid(r.text);
        },
      }),
    );
    let seen: GrpcError | undefined;
    const front = await serve(t, {
      unary: async (r: Req, ctx: ServerContext) => {
        ctx.trailers.set('x-front', 'mine');
        try {
          return await backend.unary({ text: r.text });
        } catch (err) {
          seen = err as GrpcError;
          if (r.text === 'pass on' && err instanceof GrpcError)
            throw new GrpcError(err.code, err.rawMessage, { details: err.details });
          throw err;
        }
      },
    });
    const err = await failure(client(t, front).unary({ text: 'relay' }));
    t.ok(isWireError(seen), 'the handler saw a wire error');
    t.equal(seen?.metadata.get('x-backend-secret'), 'db-7.internal', 'with the backend trailers, for it to read');
    t.equal(err.code, Code.INVALID_ARGUMENT);
    t.equal(err.rawMessage, 'bad text "relay"');
    t.same(err.details, [], "the backend's details stay behind");
    t.equal(err.metadata.get('x-backend-secret'), undefined, 'and so do its trailers');
    t.equal(err.metadata.get('x-front'), 'mine', "the handler's own trailers go out");

    const passed = await failure(client(t, front).unary({ text: 'pass on' }));
    t.same(
      passed.findDetails(BadRequest)[0]?.fieldViolations.map((v) => v.field),
      ['text'],
      'passed on on purpose',
    );
    t.equal(passed.metadata.get('x-backend-secret'), undefined);
  },
);

t.test('a grpc-status-details-bin that is not a google.rpc.Status: ignored, the status kept', async (t) => {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO)) as unknown as {
    wiregrpc: { test: { Echo: grpc.ServiceClientConstructor } };
  };
  const server = new grpc.Server();
  server.addService(pkg.wiregrpc.test.Echo.service, {
    unary: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
      const metadata = new grpc.Metadata();
      metadata.set('grpc-status-details-bin', Buffer.from([0xff, 0xff]));
      metadata.set('x-kept', 'yes');
      callback({ code: grpc.status.FAILED_PRECONDITION, details: 'not yet', metadata });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  t.teardown(() => server.forceShutdown());
  const err = await failure(client(t, `127.0.0.1:${port}`).unary({ text: 'x' }));
  t.equal(err.code, Code.FAILED_PRECONDITION);
  t.equal(err.rawMessage, 'not yet');
  t.same(err.details, []);
  t.equal(err.rawDetails, undefined);
  t.equal(err.metadata.get('x-kept'), 'yes');
});

t.test('gRPC-Web (wiregrpc/web over fetch): the same details, in the trailers frame or the headers', async (t) => {
  const server = new Server();
  server.add(Echo, {
    unary: (r: Req) => {
      throw invalid(r.text);
    },
    serverStream: async function* () {
      yield { text: 'one' };
      throw new GrpcError(Code.ABORTED, 'stopped', { details: [detail(ErrorInfo, { reason: 'STOPPED' })] });
    },
  });
  const address = await server.listen('127.0.0.1:0');
  t.teardown(() => server.forceShutdown());
  const web = createWebClient(Echo, `http://127.0.0.1:${(address as { port: number }).port}`) as unknown as {
    unary(r: { text: string }): Promise<unknown>;
    serverStream(r: { text: string }): AsyncIterable<unknown>;
  };
  const err = await failure(web.unary({ text: '' }));
  t.equal(err.code, Code.INVALID_ARGUMENT);
  t.same(
    err.findDetails(BadRequest)[0]?.fieldViolations.map((v) => v.field),
    ['text'],
  );
  t.ok(isWireError(err));
  const streamed = await failure(
    (async () => {
      for await (const _ of web.serverStream({ text: 'x' })) void _;
    })(),
  );
  t.same(
    streamed.findDetails(ErrorInfo).map((e) => e.reason),
    ['STOPPED'],
  );
});
