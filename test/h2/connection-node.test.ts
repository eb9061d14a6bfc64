// Our Connection against node:http2 (nghttp2 inside) in both roles, over real
// TCP (h2c, prior knowledge) and TLS (ALPN h2) on 127.0.0.1: requests with
// bodies and trailers, many concurrent streams, bodies much larger than the
// windows — RFC 9113 as another implementation reads it.
import t from 'tap';
import http2 from 'node:http2';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { makeCerts } from '../helpers/certs.js';
import { call, header, pattern } from './conn-helpers.js';
import { connect, listen, type TlsFiles } from './node-servers.js';

const certs = makeCerts();
t.teardown(certs.cleanup);
const tlsFiles: TlsFiles = { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca };

interface NodeAnswer {
  status: number | undefined;
  body: Buffer;
  trailers: http2.IncomingHttpHeaders | undefined;
}

/** One request from a node:http2 client session, body and trailers included. */
function nodeRequest(
  session: http2.ClientHttp2Session,
  body: Buffer | undefined,
  trailers?: Record<string, string>,
): Promise<NodeAnswer> {
  return new Promise((resolve, reject) => {
    const req = session.request(
      { ':method': 'POST', ':path': '/echo', 'content-type': 'application/grpc' },
      { endStream: body === undefined, waitForTrailers: trailers !== undefined },
    );
    const answer: NodeAnswer = { status: undefined, body: Buffer.alloc(0), trailers: undefined };
    const chunks: Buffer[] = [];
    req.on('response', (h) => (answer.status = h[':status']));
    req.on('trailers', (h) => (answer.trailers = h));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      answer.body = Buffer.concat(chunks);
      resolve(answer);
    });
    req.on('error', reject);
    if (trailers) req.on('wantTrailers', () => req.sendTrailers(trailers));
    if (body !== undefined) req.end(body);
  });
}

for (const secure of [false, true]) {
  const kind = secure ? 'TLS (ALPN h2)' : 'h2c';

  t.test(`node:http2 client → our server, ${kind}`, async (t) => {
    const server = await listen({}, secure ? tlsFiles : undefined);
    t.teardown(() => server.close());
    const session = http2.connect(`${secure ? 'https' : 'http'}://localhost:${server.port}`, { ca: certs.ca });
    t.teardown(() => session.destroy());
    await once(session, 'remoteSettings');
    t.equal(session.remoteSettings.maxConcurrentStreams, 100, 'our SETTINGS arrived first, as §3.4 asks');

    const empty = await nodeRequest(session, undefined);
    t.equal(empty.status, 200);
    t.equal(empty.trailers?.['x-request-bytes'], '0');

    const one = await nodeRequest(session, Buffer.from(pattern(5000)), { 'x-client-trailer': 'yes' });
    t.ok(one.body.equals(pattern(5000)), 'the body came back');
    t.equal(one.trailers?.['x-request-bytes'], '5000', 'trailers after the body');

    const big = await nodeRequest(session, Buffer.from(pattern(3_000_000)));
    t.ok(big.body.equals(pattern(3_000_000)), '3 MB both ways through 64 KiB stream windows');

    const many = await Promise.all(
      Array.from({ length: 250 }, (_, i) => nodeRequest(session, Buffer.from(pattern(1000 + i, i)))),
    );
    t.ok(
      many.every((a, i) => a.status === 200 && a.body.equals(pattern(1000 + i, i))),
      '250 concurrent requests (node queues past our limit of 100)',
    );
    t.same(server.errors, []);
  });

  t.test(`our client → node:http2 server, ${kind}`, async (t) => {
    const server = secure
      ? http2.createSecureServer({ key: certs.serverKey, cert: certs.serverCert })
      : http2.createServer();
    server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const body = Buffer.concat(chunks);
        stream.respond({ ':status': 200, 'x-path': headers[':path'] }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-request-bytes': String(body.length) }));
        stream.end(body);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.teardown(() => new Promise<void>((r) => server.close(() => r())));
    const { conn, errors, closed } = await connect(
      (server.address() as AddressInfo).port,
      {},
      secure ? certs.ca : undefined,
    );

    const empty = await call(conn);
    t.equal(header(empty.headers, ':status'), '200');
    t.equal(header(empty.headers, 'x-path'), '/echo');
    t.same(empty.trailers, ['x-request-bytes', '0']);

    const big = await call(conn, pattern(3_000_000), { chunk: 100_000 });
    t.ok(Buffer.from(big.body).equals(pattern(3_000_000)), '3 MB both ways');
    t.same(big.trailers, ['x-request-bytes', '3000000']);

    const many = await Promise.all(Array.from({ length: 90 }, (_, i) => call(conn, pattern(20_000, i))));
    t.ok(
      many.every((r, i) => Buffer.from(r.body).equals(pattern(20_000, i))),
      '90 concurrent streams with 20 KB each way',
    );
    t.same(errors, []);
    conn.goaway();
    await closed;
  });
}

t.test('node:http2 client resets a stream; our server survives and answers the next', async (t) => {
  const server = await listen();
  t.teardown(() => server.close());
  const session = http2.connect(`http://127.0.0.1:${server.port}`);
  t.teardown(() => session.destroy());
  const req = session.request({ ':method': 'POST', ':path': '/echo' });
  req.write(Buffer.alloc(100));
  await once(session, 'remoteSettings');
  req.close(http2.constants.NGHTTP2_CANCEL);
  await once(req, 'close');
  const next = await nodeRequest(session, Buffer.from('ok'));
  t.equal(next.body.toString(), 'ok');
});

t.test('our server sends GOAWAY: node:http2 sees it, finishes its stream, the session closes', async (t) => {
  const server = await listen({
    onStream(stream) {
      for (const c of server.connections) c.goaway();
      stream.respond([':status', '200'], false);
      stream.write(Buffer.from('last'));
      stream.trailers(['x', '1']);
    },
  });
  t.teardown(() => server.close());
  const session = http2.connect(`http://127.0.0.1:${server.port}`);
  const goaway = once(session, 'goaway');
  const answer = await nodeRequest(session, undefined);
  t.equal(answer.body.toString(), 'last');
  const [code, last] = (await goaway) as [number, number];
  t.equal(code, 0);
  t.equal(last, 1);
  await once(session, 'close');
});

t.test('node:http2 changes SETTINGS_INITIAL_WINDOW_SIZE mid-response; our server follows (§6.9.2)', async (t) => {
  const body = Buffer.from(pattern(2_000_000));
  const server = await listen({
    onStream(stream) {
      stream.respond([':status', '200'], false);
      stream.write(body);
      stream.trailers(['x-done', '1']);
    },
  });
  t.teardown(() => server.close());
  const session = http2.connect(`http://127.0.0.1:${server.port}`, { settings: { initialWindowSize: 20_000 } });
  t.teardown(() => session.destroy());
  const req = session.request({ ':path': '/big' }, { endStream: true });
  const chunks: Buffer[] = [];
  let changed = false;
  req.on('data', (c: Buffer) => {
    chunks.push(c);
    if (!changed) {
      changed = true;
      session.settings({ initialWindowSize: 5_000_000 }); // the open stream's window grows by the difference
    }
  });
  const trailers = once(req, 'trailers');
  await once(req, 'end');
  t.ok(Buffer.concat(chunks).equals(body), '2 MB intact across the change');
  t.equal(((await trailers) as [http2.IncomingHttpHeaders])[0]['x-done'], '1');
  t.same(server.errors, []);
});
