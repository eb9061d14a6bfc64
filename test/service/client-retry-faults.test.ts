/**
 * Retries under faults: a server killed between attempts, a GOAWAY that cuts
 * off streams mid-call, a server at its stream limit refusing streams
 * (REFUSED_STREAM) — the transparent retry (no policy needed) and the policy's
 * retries each do their part, and each attempt is counted on the server.
 */
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import t from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { createClient } from '../../src/service/core.js';
import { loadProtoSync } from '../../src/service/load.js';
import { Code } from '../../src/wire/grpc/code.js';
import { fakeServer, frame, respond } from '../helpers/client-fake-server.js';

const Echo = loadProtoSync(new URL('../protos/echo.proto', import.meta.url).pathname).service('wiregrpc.test.Echo');
const SERVICE = 'wiregrpc.test.Echo';
const { constants } = http2;
/** EchoReply { text: "ok" } */
const OK_REPLY = frame(Uint8Array.from([0x0a, 0x02, 0x6f, 0x6b]));

const retryUnavailable = (extra: Record<string, unknown> = {}) => ({
  methodConfig: [
    {
      name: [{ service: SERVICE }],
      retryPolicy: {
        maxAttempts: 5,
        initialBackoff: '0.1s',
        maxBackoff: '0.1s',
        backoffMultiplier: 1,
        retryableStatusCodes: ['UNAVAILABLE'],
        ...extra,
      },
    },
  ],
});

t.test(
  'GOAWAY mid-call: a stream above its last-stream-id is sent again on a new connection (no policy)',
  async (t) => {
    let n = 0;
    const server = await fakeServer((stream) => {
      n++;
      if (n === 1) {
        // The first call is processed; the second (stream 3) arrives, then GOAWAY says only stream 1 will be.
        setTimeout(() => {
          stream.session!.goaway(constants.NGHTTP2_NO_ERROR, 1);
          setTimeout(() => respond(stream, [OK_REPLY], { 'grpc-status': '0' }), 20);
        }, 40);
        return;
      }
      if (n === 2) return; // stream 3: above the last-stream-id, never processed
      respond(stream, [OK_REPLY], { 'grpc-status': '0' });
    });
    t.teardown(() => server.close());
    const sessions = new Set<http2.ServerHttp2Session>();
    server.server.on('stream', (s) => sessions.add(s.session as http2.ServerHttp2Session));
    const client = createClient(Echo, server.target);
    t.teardown(() => client.close());
    const first = client.unary({});
    await new Promise((r) => setTimeout(r, 15));
    const second = client.unary({});
    t.equal((await first).text, 'ok');
    t.equal((await second).text, 'ok', 'the cut-off call succeeded');
    t.equal(n, 3, 'the server saw it twice');
    t.equal(sessions.size, 2, 'the second time on a new connection');
  },
);

t.test('REFUSED_STREAM from a server at its stream limit: the refused calls go again and succeed', async (t) => {
  // The server allows one stream at a time (SETTINGS_MAX_CONCURRENT_STREAMS 1). Calls made before the
  // client has that SETTINGS open streams beyond it, and nghttp2 on the server refuses them unprocessed
  // (RFC 9113 §5.1.2, REFUSED_STREAM); the client sends each again, by then within the limit.
  let served = 0;
  const server = http2.createServer({ settings: { maxConcurrentStreams: 1 } });
  server.on('session', (s) => s.on('error', () => {}));
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    setTimeout(() => {
      served++;
      respond(stream, [OK_REPLY], { 'grpc-status': '0' });
    }, 5);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const client = createClient(Echo, `127.0.0.1:${(server.address() as AddressInfo).port}`);
  t.teardown(() => client.close());
  const replies = await Promise.all([client.unary({}), client.unary({}), client.unary({}), client.unary({})]);
  t.equal(replies.length, 4, 'every call succeeded');
  t.equal(served, 4);
});

t.test('a streaming call refused unprocessed is sent again with its requests, not counted as an attempt', async (t) => {
  const bodies: Buffer[] = [];
  const previous: unknown[] = [];
  const server = await fakeServer(async (stream, headers, body) => {
    const b = await body;
    previous.push(headers['grpc-previous-rpc-attempts']);
    if (bodies.push(b) === 1) {
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    respond(stream, [OK_REPLY], { 'grpc-status': '0' });
  });
  t.teardown(() => server.close());
  const client = createClient(Echo, server.target, {
    serviceConfig: retryUnavailable({ retryableStatusCodes: ['ABORTED'], maxAttempts: 2 }),
  });
  t.teardown(() => client.close());
  const reply = await client.clientStream([{ text: 'a' }, { text: 'b' }]);
  t.equal(reply.text, 'ok');
  t.equal(bodies.length, 2);
  t.ok(bodies[1]!.equals(bodies[0]!), 'the same requests again');
  t.same(previous, [undefined, undefined], 'the same attempt, sent again: not a retry');
});

t.test('server killed between attempts: the retries reach it once it is back', async (t) => {
  t.setTimeout(10_000);
  // One port, three lives, each decided by what the client did, not by a timer: the first answers UNAVAILABLE
  // and dies; while dead, a connection is closed as soon as it is made (the next attempt fails to connect);
  // after one such death, the server is back and answers OK.
  let attempts = 0;
  let life: 'first' | 'dead' | 'back' = 'first';
  const h2 = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (s) => {
    sessions.add(s);
    s.on('error', () => {});
  });
  h2.on('stream', (stream) => {
    attempts++;
    stream.on('error', () => {});
    if (life === 'back') return respond(stream, [OK_REPLY], { 'grpc-status': '0' });
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(Code.UNAVAILABLE) },
      { endStream: true },
    );
    life = 'dead';
    setImmediate(() => {
      for (const s of sessions) s.destroy();
    });
  });
  let refused = 0;
  const front = net.createServer((socket) => {
    socket.on('error', () => {});
    if (life === 'dead') {
      refused++;
      life = 'back';
      socket.destroy();
      return;
    }
    h2.emit('connection', socket);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  const port = (front.address() as AddressInfo).port;
  const client = createClient(Echo, `127.0.0.1:${port}`, {
    serviceConfig: retryUnavailable({ initialBackoff: '0.05s', maxBackoff: '0.05s' }),
    backoff: { initialMs: 20, maxMs: 20, jitter: 0 },
  });
  t.teardown(async () => {
    await client.close();
    for (const s of sessions) s.destroy();
    await new Promise<void>((r) => front.close(() => r()));
  });
  const reply = await client.unary({});
  t.equal(reply.text, 'ok');
  t.equal(refused, 1, 'one attempt found the server dead');
  t.equal(attempts, 2, 'the first life and the second each answered one attempt');
});
