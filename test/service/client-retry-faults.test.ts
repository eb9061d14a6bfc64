/**
 * Retries under faults: a server killed between attempts, a GOAWAY that cuts
 * off streams mid-call, a server at its stream limit refusing streams
 * (REFUSED_STREAM) — the transparent retry (no policy needed) and the policy's
 * retries each do their part, and each attempt is counted on the server.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import t from 'tap';
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
  let attempts = 0;
  const handler = (stream: http2.ServerHttp2Stream) => {
    attempts++;
    stream.on('error', () => {});
    respond(stream, [OK_REPLY], { 'grpc-status': '0' });
  };
  // First life: answers UNAVAILABLE once, then the server goes away (port closed).
  const first = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  first.on('session', (s) => {
    sessions.add(s);
    s.on('error', () => {});
  });
  first.on('stream', (stream) => {
    attempts++;
    stream.on('error', () => {});
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(Code.UNAVAILABLE) },
      { endStream: true },
    );
    setImmediate(() => {
      for (const s of sessions) s.destroy();
      first.close();
    });
  });
  await new Promise<void>((r) => first.listen(0, '127.0.0.1', r));
  const port = (first.address() as AddressInfo).port;
  const client = createClient(Echo, `127.0.0.1:${port}`, {
    serviceConfig: retryUnavailable({ initialBackoff: '0.15s', maxBackoff: '0.15s' }),
    backoff: { initialMs: 50, maxMs: 50, jitter: 0 },
  });
  t.teardown(() => client.close());
  let second: http2.Http2Server | undefined;
  const secondSessions = new Set<http2.ServerHttp2Session>();
  t.teardown(
    () =>
      new Promise<void>((r) => {
        for (const s of secondSessions) s.destroy();
        if (second === undefined) r();
        else second.close(() => r());
      }),
  );
  setTimeout(() => {
    second = http2.createServer();
    second.on('session', (s) => {
      secondSessions.add(s);
      s.on('error', () => {});
    });
    second.on('stream', handler);
    second.listen(port, '127.0.0.1');
  }, 250);
  const reply = await client.unary({});
  t.equal(reply.text, 'ok');
  t.ok(attempts >= 2, `the first life and the second each saw an attempt (${attempts} in all)`);
});
