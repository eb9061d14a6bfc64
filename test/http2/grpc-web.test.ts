// gRPC-Web (grpc/grpc doc/PROTOCOL-WEB.md) served by the wiregrpc server on its one port — over HTTP/1.1
// and HTTP/2, binary and base64 text — and called with the fetch client of src/web (Node's global fetch
// speaks HTTP/1.1, as browsers do to an http:// server).
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import * as esbuild from 'esbuild';
import { Server } from '../../src/service/server.js';
import { createClient } from '../../src/service/client.js';
import { createWebClient } from '../../src/web/client.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { encodeFrame } from '../../src/wire/grpc/frame.js';
import {
  Base64Decoder,
  encodeBase64Bytes,
  encodeTrailersFrame,
  parseTrailers,
  TextDeframer,
} from '../../src/wire/grpc/grpc-web.js';
import type { Metadata } from '../../src/wire/grpc/metadata.js';
import { Echo, EchoReplySchema, EchoRequestSchema, type EchoRequest } from '../runtimes/browser/echo-service.js';
import { echoImplementation, outcomes } from '../runtimes/browser/echo-server.js';
import { codecFor } from '../../src/wire/proto/codec.js';
import { makeCerts } from '../helpers/certs.js';
import { rejection } from '../helpers/rejection.js';

const ALLOWED = 'http://app.test:8080';
const requestCodec = codecFor<Partial<EchoRequest>>(EchoRequestSchema);
const replyCodec = codecFor<{ text: string; index: number; blob: Uint8Array }>(EchoReplySchema);

async function startServer(
  grpcWeb?: ConstructorParameters<typeof Server>[0] extends infer O
    ? O extends { grpcWeb?: infer W }
      ? W
      : never
    : never,
) {
  const server = new Server(grpcWeb === undefined ? {} : { grpcWeb });
  server.add(Echo, echoImplementation);
  const address = await server.listen('127.0.0.1:0');
  const port = (address as { port: number }).port;
  t.teardown(() => server.forceShutdown());
  return { server, port, base: `http://127.0.0.1:${port}` };
}

const main = await startServer({ origins: [ALLOWED] });
const web = createWebClient(Echo, main.base);

/** One raw HTTP/1.1 exchange: status, headers and the whole body. */
function rawHttp1(port: number, method: string, path: string, headers: Record<string, string>, body?: Uint8Array) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One raw HTTP/2 exchange; `trailers` is whatever HTTP/2 trailers came (gRPC-Web must send none). */
function rawHttp2(port: number, headers: http2.OutgoingHttpHeaders, body: Uint8Array) {
  return new Promise<{
    headers: http2.IncomingHttpHeaders;
    body: Buffer;
    trailers: http2.IncomingHttpHeaders | undefined;
  }>((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({ ':method': 'POST', ...headers });
    let head: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (head = h));
    stream.on('trailers', (h) => (trailers = h));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      session.close();
      resolve({ headers: head, body: Buffer.concat(chunks), trailers });
    });
    stream.on('error', reject);
    stream.end(body);
  });
}

const WEB_HEADERS = { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' };

t.test('the trailers frame and the base64 text decoder (src/wire/grpc/grpc-web.ts)', async (t) => {
  const frame = encodeTrailersFrame({ 'grpc-status': '0', 'x-a': ['1', '2'] });
  const text = 'grpc-status: 0\r\nx-a: 1\r\nx-a: 2\r\n';
  t.same([...frame.subarray(0, 5)], [0x80, 0, 0, 0, text.length], 'flag 0x80, big-endian length');
  t.equal(Buffer.from(frame.subarray(5)).toString('latin1'), text, 'name: value\\r\\n lines');
  t.same(parseTrailers(frame.subarray(5)), { 'grpc-status': '0', 'x-a': ['1', '2'] });
  t.same(
    parseTrailers(Buffer.from('Grpc-Status:3\nGRPC-MESSAGE:  x y \r\n\r\n')),
    { 'grpc-status': '3', 'grpc-message': 'x y' },
    'names lower-cased, values trimmed',
  );
  t.throws(() => parseTrailers(Buffer.from('no colon\r\n')), GrpcError);

  // Independently padded segments, back to back, cut at every possible place.
  const pieces = [Buffer.from([1]), Buffer.from([2, 3]), Buffer.from([4, 5, 6]), Buffer.from([7, 8, 9, 10])];
  const body = Buffer.concat(pieces.map((p) => Buffer.from(encodeBase64Bytes(p))));
  t.equal(body.toString('latin1'), 'AQ==AgM=BAUGBwgJCg==');
  const expected = [...Buffer.concat(pieces)];
  for (let cut1 = 0; cut1 <= body.length; cut1++) {
    for (let cut2 = cut1; cut2 <= body.length; cut2++) {
      const d = new Base64Decoder();
      const out = [
        ...d.push(body.subarray(0, cut1)),
        ...d.push(body.subarray(cut1, cut2)),
        ...d.push(body.subarray(cut2)),
      ];
      d.end();
      if (out.join() !== expected.join()) t.fail(`cuts at ${cut1}/${cut2}: ${out}`);
    }
  }
  t.pass('every split decodes to the same bytes');
  for (const bad of ['A===', 'AB=C', '=AAA', 'AB*D', 'ABC']) {
    t.throws(
      () => {
        const d = new Base64Decoder();
        d.push(Buffer.from(bad));
        d.end();
      },
      { code: Code.INTERNAL },
      `${bad} is refused`,
    );
  }
  const deframer = new TextDeframer();
  const framed = Buffer.from(encodeBase64Bytes(encodeFrame(Buffer.from('hello'))));
  const frames = [...deframer.push(framed.subarray(0, 5)), ...deframer.push(framed.subarray(5))];
  t.equal(frames.length, 1);
  t.equal(Buffer.from(frames[0]!.data).toString(), 'hello');
});

t.test('unary over HTTP/1.1 with the fetch client: value, header and trailer metadata', async (t) => {
  let header: Metadata | undefined;
  let trailer: Metadata | undefined;
  const reply = await web.unary(
    { text: 'héllo', blob: new Uint8Array([0, 255, 7]) },
    { metadata: { 'x-token': 'secret' }, onHeader: (md) => (header = md), onTrailer: (md) => (trailer = md) },
  );
  t.equal(reply.text, 'héllo');
  t.same([...reply.blob], [0, 255, 7]);
  t.equal(header?.get('x-echo-header'), 'h');
  t.equal(header?.get('x-token-seen'), 'secret', 'request metadata reached the handler');
  t.equal(trailer?.get('x-echo-trailer'), 't', 'trailing metadata from the trailers frame');
  t.equal(await web.Unary({ text: 'by .proto name' }).then((r) => r.text), 'by .proto name');
});

t.test('metadata naming protocol fields (content-type, grpc-timeout, te) never reaches the wire', async (t) => {
  let header: Metadata | undefined;
  const forged = { 'content-type': 'text/plain', 'grpc-timeout': '1n', te: 'gzip', 'x-token': 'kept' };
  const reply = await web.unary({ text: 'plain' }, { metadata: forged, onHeader: (md) => (header = md) });
  t.equal(reply.text, 'plain', 'the call went through: its own content-type, no 1 ns deadline');
  t.equal(header?.get('x-token-seen'), 'kept', 'ordinary metadata still travels');
  const perClient = createWebClient(Echo, { baseUrl: main.base, metadata: forged });
  t.equal((await perClient.unary({ text: 'per-client' })).text, 'per-client', 'the same for per-client metadata');
});

t.test('server-streaming: messages arrive in order, then the status', async (t) => {
  const got: string[] = [];
  for await (const reply of web.stream({ text: 'n', count: 5 })) got.push(`${reply.index}:${reply.text}`);
  t.same(got, ['0:n 0', '1:n 1', '2:n 2', '3:n 3', '4:n 4']);
  const none: unknown[] = [];
  for await (const reply of web.stream({ text: 'n', count: 0 })) none.push(reply);
  t.same(none, [], 'zero messages, OK');
  // Enough bytes to fill the HTTP/1.1 response's buffer: the handler waits for 'drain' and goes on.
  let n = 0;
  let bytes = 0;
  for await (const reply of web.stream({ text: 'big', count: 2000, blob: new Uint8Array(1024) })) {
    n++;
    bytes += reply.blob.length;
  }
  t.equal(n, 2000, 'a stream past the write buffer, with backpressure');
  t.equal(bytes, 2000 * 1024);
});

t.test('error statuses: Trailers-Only in headers, and after messages in the trailers frame', async (t) => {
  const e1 = await rejection(web.unary({ text: 'gone', code: Code.NOT_FOUND }));
  t.equal(e1.code, Code.NOT_FOUND);
  t.equal(e1.rawMessage, 'asked to fail: gone');
  t.equal(e1.metadata.get('x-error-detail'), 'yes');

  const got: number[] = [];
  const e2 = await rejection(
    (async () => {
      for await (const reply of web.stream({ text: 'x', count: 2, code: Code.RESOURCE_EXHAUSTED }))
        got.push(reply.index);
    })(),
  );
  t.same(got, [0, 1], 'the messages before the error were delivered');
  t.equal(e2.code, Code.RESOURCE_EXHAUSTED);
  t.equal(e2.metadata.get('x-error-detail'), 'yes');

  const e3 = await rejection(createWebClient(Echo, { baseUrl: `${main.base}/nowhere` }).unary({}));
  t.equal(e3.code, Code.UNIMPLEMENTED, 'unknown method');
  const e4 = await rejection(web.collect({}));
  t.equal(e4.code, Code.UNIMPLEMENTED, 'client streaming is not available over fetch');
});

t.test('wire format: headers, message frames, then the trailers frame (HTTP/1.1 and HTTP/2)', async (t) => {
  const request = encodeFrame(requestCodec.encode({ text: 'w', count: 2 }));
  const expected = Buffer.concat([
    encodeFrame(replyCodec.encode({ text: 'w 0', index: 0, blob: new Uint8Array() })),
    encodeFrame(replyCodec.encode({ text: 'w 1', index: 1, blob: new Uint8Array() })),
    encodeTrailersFrame({ 'x-echo-trailer': 't', 'grpc-status': '0' }),
  ]);
  const h1 = await rawHttp1(main.port, 'POST', '/wiregrpc.web.Echo/Stream', WEB_HEADERS, request);
  t.equal(h1.status, 200);
  t.equal(h1.headers['content-type'], 'application/grpc-web');
  t.equal(h1.headers['x-echo-header'], 'h');
  t.equal(h1.headers['grpc-status'], undefined, 'the status is not in the headers');
  t.same([...h1.body], [...expected], 'body bytes: two messages and the trailers frame');

  const h2 = await rawHttp2(main.port, { ':path': '/wiregrpc.web.Echo/Stream', ...WEB_HEADERS }, request);
  t.equal(h2.headers[':status'], 200);
  t.equal(h2.headers['content-type'], 'application/grpc-web');
  t.same([...h2.body], [...expected], 'the same body over HTTP/2');
  t.equal(h2.trailers, undefined, 'and no HTTP/2 trailers');

  const only = await rawHttp1(
    main.port,
    'POST',
    '/wiregrpc.web.Echo/Unary',
    WEB_HEADERS,
    encodeFrame(requestCodec.encode({ code: Code.ABORTED, text: 'no' })),
  );
  t.equal(only.headers['grpc-status'], String(Code.ABORTED), 'Trailers-Only: status in the headers');
  t.equal(only.headers['grpc-message'], 'asked to fail: no');
  t.equal(only.headers['content-type'], 'application/grpc-web');
  t.equal(only.body.length, 0, 'and an empty body');
});

t.test('grpc-web-text: base64 both ways', async (t) => {
  const request = encodeFrame(requestCodec.encode({ text: 't', count: 3 }));
  const encoded = Buffer.from(encodeBase64Bytes(request));
  const res = await rawHttp1(
    main.port,
    'POST',
    '/wiregrpc.web.Echo/Stream',
    { 'content-type': 'application/grpc-web-text', 'x-grpc-web': '1' },
    encoded,
  );
  t.equal(res.headers['content-type'], 'application/grpc-web-text');
  t.match(res.body.toString('latin1'), /^[A-Za-z0-9+/=]+$/, 'the body is base64');
  const decoder = new TextDeframer({ allowedFlags: 0x81 });
  const frames = decoder.push(res.body);
  decoder.end();
  t.same(
    frames.map((f) => f.flags),
    [0, 0, 0, 0x80],
  );
  t.same(
    frames.slice(0, 3).map((f) => replyCodec.decode(f.data).text),
    ['t 0', 't 1', 't 2'],
  );
  t.equal(parseTrailers(frames[3]!.data)['grpc-status'], '0');

  const text = createWebClient(Echo, { baseUrl: main.base, format: 'text' });
  t.equal((await text.unary({ text: 'via text', blob: new Uint8Array([1, 2, 3, 4]) })).text, 'via text');
  const streamed: string[] = [];
  for await (const r of text.stream({ text: 's', count: 4 })) streamed.push(r.text);
  t.same(streamed, ['s 0', 's 1', 's 2', 's 3']);
  t.equal((await rejection(text.unary({ code: Code.PERMISSION_DENIED }))).code, Code.PERMISSION_DENIED);

  const broken = await rawHttp1(
    main.port,
    'POST',
    '/wiregrpc.web.Echo/Unary',
    { 'content-type': 'application/grpc-web-text' },
    Buffer.from('AAAA*'),
  );
  t.equal(broken.headers['grpc-status'], String(Code.INTERNAL), 'a body that is not base64 → INTERNAL');
});

t.test('one port: gRPC over HTTP/2 still works; plain gRPC over HTTP/1.1 gets an HTTP error', async (t) => {
  const client = createClient(Echo, `127.0.0.1:${main.port}`);
  t.teardown(() => client.close());
  t.equal((await client.unary({ text: 'native' })).text, 'native');
  const plain = await rawHttp1(
    main.port,
    'POST',
    '/wiregrpc.web.Echo/Unary',
    { 'content-type': 'application/grpc' },
    encodeFrame(new Uint8Array()),
  );
  t.equal(plain.status, 505);
  t.match(plain.body.toString(), /gRPC needs HTTP\/2/);
  t.equal(plain.headers.connection, 'close');
  const get = await rawHttp1(main.port, 'GET', '/wiregrpc.web.Echo/Unary', {});
  t.equal(get.status, 405);
  t.equal(get.headers.allow, 'POST');
  const json = await rawHttp1(
    main.port,
    'POST',
    '/wiregrpc.web.Echo/Unary',
    { 'content-type': 'application/grpc-web+json' },
    encodeFrame(new Uint8Array()),
  );
  t.equal(json.status, 415, 'only protobuf messages');

  // A connection that never says anything does not keep shutdown waiting.
  const idle = await startServer();
  const socket = net.connect(idle.port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  const shutdown = idle.server.shutdown();
  const done = await Promise.race([shutdown.then(() => true), new Promise((r) => setTimeout(() => r(false), 3000))]);
  t.ok(done, 'graceful shutdown finishes with an undecided connection open');
  socket.destroy();
});

t.test('TLS: ALPN sends HTTP/1.1 clients to gRPC-Web and h2 clients to HTTP/2, on one port', async (t) => {
  const certs = makeCerts();
  t.teardown(certs.cleanup);
  const server = new Server();
  server.add(Echo, echoImplementation);
  t.teardown(() => server.forceShutdown());
  const { port } = (await server.listen('127.0.0.1:0', { tls: { key: certs.serverKey, cert: certs.serverCert } })) as {
    port: number;
  };
  const body = encodeFrame(requestCodec.encode({ text: 'tls', count: 1 }));
  const h1 = await new Promise<{ alpn: string | false | null; status: number; body: Buffer }>((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        ca: certs.ca,
        method: 'POST',
        path: '/wiregrpc.web.Echo/Stream',
        headers: WEB_HEADERS,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            alpn: (res.socket as import('node:tls').TLSSocket).alpnProtocol,
            status: res.statusCode!,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  t.equal(h1.status, 200);
  t.equal(h1.alpn, false, 'an HTTP/1.1 client (no ALPN offer)');
  t.equal(replyCodec.decode(h1.body.subarray(5, 5 + h1.body.readUInt32BE(1))).text, 'tls 0');
  const session = http2.connect(`https://localhost:${port}`, {
    ca: certs.ca,
    host: '127.0.0.1',
  } as http2.SecureClientSessionOptions);
  t.teardown(() => session.close());
  const h2 = await new Promise<Buffer>((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': '/wiregrpc.web.Echo/Stream', ...WEB_HEADERS });
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
    stream.end(body);
  });
  t.equal(replyCodec.decode(h2.subarray(5, 5 + h2.readUInt32BE(1))).text, 'tls 0', 'gRPC-Web over h2 (ALPN h2)');
});

t.test('CORS: preflight, grants, exposed headers; no origin allowed by default', async (t) => {
  const preflight = (
    port: number,
    origin: string,
    requested = 'content-type,x-grpc-web,x-user-agent,grpc-timeout,x-token',
  ) =>
    rawHttp1(port, 'OPTIONS', '/wiregrpc.web.Echo/Unary', {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': requested,
    });

  const ok = await preflight(main.port, ALLOWED);
  t.equal(ok.status, 204);
  t.equal(ok.headers['access-control-allow-origin'], ALLOWED);
  t.equal(ok.headers['access-control-allow-methods'], 'POST');
  const allowed = String(ok.headers['access-control-allow-headers']).split(/,\s*/);
  for (const h of ['content-type', 'x-grpc-web', 'x-user-agent', 'grpc-timeout', 'x-token'])
    t.ok(allowed.includes(h), `allows ${h}`);
  t.match(ok.headers.vary, /origin/);

  const other = await preflight(main.port, 'http://evil.test');
  t.equal(other.status, 403, 'an origin not configured');
  t.equal(other.headers['access-control-allow-origin'], undefined);

  const call = await rawHttp1(
    main.port,
    'POST',
    '/wiregrpc.web.Echo/Unary',
    { ...WEB_HEADERS, origin: ALLOWED },
    encodeFrame(requestCodec.encode({ text: 'c' })),
  );
  t.equal(call.headers['access-control-allow-origin'], ALLOWED);
  const exposed = String(call.headers['access-control-expose-headers']).split(/,\s*/);
  for (const h of ['grpc-status', 'grpc-message', 'grpc-status-details-bin', 'x-echo-header'])
    t.ok(exposed.includes(h), `exposes ${h}`);
  const failed = await rawHttp1(
    main.port,
    'POST',
    '/wiregrpc.web.Echo/Unary',
    { ...WEB_HEADERS, origin: ALLOWED },
    encodeFrame(requestCodec.encode({ code: 3 })),
  );
  t.ok(
    String(failed.headers['access-control-expose-headers']).includes('x-error-detail'),
    'Trailers-Only exposes its metadata keys',
  );
  const evil = await rawHttp1(
    main.port,
    'POST',
    '/wiregrpc.web.Echo/Unary',
    { ...WEB_HEADERS, origin: 'http://evil.test' },
    encodeFrame(requestCodec.encode({ text: 'c' })),
  );
  t.equal(evil.status, 200, 'served (CORS is for browsers to enforce)');
  t.equal(evil.headers['access-control-allow-origin'], undefined, 'but no grant');

  const closed = await startServer();
  t.equal((await preflight(closed.port, ALLOWED)).status, 403, 'default: no origin allowed');
  const noGrant = await rawHttp1(
    closed.port,
    'POST',
    '/wiregrpc.web.Echo/Unary',
    { ...WEB_HEADERS, origin: ALLOWED },
    encodeFrame(requestCodec.encode({ text: 'c' })),
  );
  t.equal(noGrant.status, 200);
  t.equal(noGrant.headers['access-control-allow-origin'], undefined);
  t.equal(
    (await createWebClient(Echo, closed.base).unary({ text: 'non-browser' })).text,
    'non-browser',
    'gRPC-Web from a non-browser client works regardless',
  );

  const any = await startServer({ origins: '*' });
  t.equal(
    (await preflight(any.port, 'http://whoever.test')).headers['access-control-allow-origin'],
    'http://whoever.test',
    "'*' allows any origin",
  );

  const h2 = await rawHttp2(
    main.port,
    {
      ':method': 'OPTIONS',
      ':path': '/wiregrpc.web.Echo/Unary',
      origin: ALLOWED,
      'access-control-request-method': 'POST',
    },
    new Uint8Array(),
  );
  t.equal(h2.headers[':status'], 204, 'preflight over HTTP/2 too');
});

t.test('deadline: grpc-timeout sent, the call ends DEADLINE_EXCEEDED on time, the server stops', async (t) => {
  outcomes.length = 0;
  const started = Date.now();
  const err = await rejection(web.unary({ text: 'slow', delayMs: 5000 }, { timeout: 200 }));
  const took = Date.now() - started;
  t.equal(err.code, Code.DEADLINE_EXCEEDED);
  t.ok(took < 2000, `ended after ${took} ms`);
  await new Promise((r) => setTimeout(r, 300));
  t.ok(
    outcomes.some((o) => o.startsWith('unary aborted')),
    `the handler saw its signal abort (${outcomes.join('; ')})`,
  );
  t.equal(
    (await rejection(web.unary({}, { deadline: Date.now() - 1 }))).code,
    Code.DEADLINE_EXCEEDED,
    'a deadline already past',
  );
});

t.test("a timeout past setTimeout's ceiling (2^31-1 ms, ~24.8 days) does not expire at once", async (t) => {
  const days30 = 30 * 24 * 3600 * 1000;
  t.equal((await web.unary({ text: 'far', delayMs: 50 }, { timeout: days30 })).text, 'far');
  t.equal(
    (await web.unary({ text: 'far', delayMs: 50 }, { deadline: Date.now() + days30 })).text,
    'far',
    'the same as a deadline',
  );
});

t.test('cancel: an AbortSignal, or leaving the loop early, ends the call on both sides', async (t) => {
  outcomes.length = 0;
  const controller = new AbortController();
  const got: number[] = [];
  setTimeout(() => controller.abort(), 250);
  const err = await rejection(
    (async () => {
      for await (const r of web.stream({ text: 'c', count: 100, delayMs: 50 }, { signal: controller.signal }))
        got.push(r.index);
    })(),
  );
  t.equal(err.code, Code.CANCELLED);
  t.ok(got.length > 0 && got.length < 100, `${got.length} messages before the cancel`);
  for await (const r of web.stream({ text: 'b', count: 100, delayMs: 20 })) if (r.index === 2) break;
  await new Promise((r) => setTimeout(r, 300));
  t.equal(
    outcomes.filter((o) => o.startsWith('stream aborted')).length,
    2,
    `the server saw both cancels (${outcomes.join('; ')})`,
  );
  t.equal((await rejection(web.unary({}, { signal: AbortSignal.abort() }))).code, Code.CANCELLED, 'already aborted');
});

t.test('src/web stays portable: web APIs and src/wire only; bundles for the browser', async (t) => {
  const dir = fileURLToPath(new URL('../../src/web/', import.meta.url));
  for (const file of readdirSync(dir)) {
    const source = readFileSync(dir + file, 'utf8');
    const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, ''); // without comments
    t.notMatch(
      code,
      /from 'node:|\bBuffer\b|protobufjs|\beval\(|new Function|\bprocess\./,
      `${file}: no Node, protobufjs or eval`,
    );
    for (const m of source.matchAll(/^import (?!type)[^;]*from '([^']+)'/gm)) {
      const spec = m[1]!;
      t.ok(
        spec.startsWith('../wire/') || spec.startsWith('./') || spec === '../service/define.js',
        `${file} imports ${spec}`,
      );
    }
  }
  const built = await esbuild.build({
    entryPoints: [dir + 'index.ts'],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  t.equal(built.errors.length, 0, 'esbuild bundles src/web/index.ts for the browser');
  t.notMatch(built.outputFiles[0]!.text, /require\(|node:/, 'no Node module in the bundle');
});
