/**
 * A channel on wiregrpc's own HTTP/2 (transport 'wiregrpc', src/h2 through
 * src/http2/h2-client-connection.ts), against node:http2 servers: what the
 * option means, what goes over the wire (headers, TLS with ALPN h2, the
 * server's MAX_CONCURRENT_STREAMS, RST_STREAM(CANCEL), flow control of a
 * request stream, keepalive PINGs). The call-level suites (client-stream,
 * subchannel, channel, test/service/client-*) run on this transport too with
 * WIREGRPC_TRANSPORT=wiregrpc.
 */
import { once } from 'node:events';
import http2 from 'node:http2';
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import t from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { cfConnect } from '../../src/h2/cf-socket.js';
import { Connection } from '../../src/h2/connection.js';
import { nodeSocket } from '../../src/h2/node-socket.js';
import { Channel, type ChannelCall } from '../../src/http2/channel.js';
import { sessionOf } from './session-of.js';
import { ClientStream } from '../../src/http2/client-stream.js';
import { H2ClientSession } from '../../src/http2/h2-client-connection.js';
import { flatHeaders, headerRecord } from '../../src/http2/h2-client-headers.js';
import type { ClientSession } from '../../src/http2/h2-client-session.js';
import { methodHeaders } from '../../src/http2/request-headers.js';
import { isIpAddress } from '../../src/http2/target.js';
import { Code } from '../../src/wire/grpc/code.js';
import { Metadata } from '../../src/wire/grpc/metadata.js';
import { makeCerts } from '../helpers/certs.js';
import { fakeServer, frame, respond, transportCall } from '../helpers/client-fake-server.js';

const PATH = '/wiregrpc.test.Echo/Unary';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('transport: the option, else WIREGRPC_TRANSPORT, else node:http2; anything else is a TypeError', async (t) => {
  const server = await fakeServer((stream) => respond(stream, [], { 'grpc-status': '0' }));
  t.teardown(() => server.close());
  const saved = process.env.WIREGRPC_TRANSPORT;
  t.teardown(() => {
    if (saved === undefined) delete process.env.WIREGRPC_TRANSPORT;
    else process.env.WIREGRPC_TRANSPORT = saved;
  });

  delete process.env.WIREGRPC_TRANSPORT;
  const plain = new Channel(server.target);
  t.teardown(() => plain.close());
  t.notOk((await sessionOf(plain)) instanceof H2ClientSession, 'default: node:http2');

  const own = new Channel(server.target, { transport: 'wiregrpc' });
  t.teardown(() => own.close());
  t.ok((await sessionOf(own)) instanceof H2ClientSession, "transport 'wiregrpc': our own HTTP/2");

  process.env.WIREGRPC_TRANSPORT = 'wiregrpc';
  const fromEnv = new Channel(server.target);
  t.teardown(() => fromEnv.close());
  t.ok((await sessionOf(fromEnv)) instanceof H2ClientSession, 'WIREGRPC_TRANSPORT=wiregrpc when the option is absent');
  const optionWins = new Channel(server.target, { transport: 'node:http2' });
  t.teardown(() => optionWins.close());
  t.notOk((await sessionOf(optionWins)) instanceof H2ClientSession, 'the option wins over the environment');

  process.env.WIREGRPC_TRANSPORT = 'nghttp2';
  t.throws(() => new Channel(server.target), {
    name: 'TypeError',
    message: `WIREGRPC_TRANSPORT must be 'node:http2' or 'wiregrpc', not "nghttp2"`,
  });
  delete process.env.WIREGRPC_TRANSPORT;
  t.throws(() => new Channel(server.target, { transport: 'h3' as 'wiregrpc' }), {
    name: 'TypeError',
    message: `channel option transport must be 'node:http2' or 'wiregrpc', not "h3"`,
  });
  t.throws(() => new Channel(server.target, { transport: 'node:http2', connect: () => undefined as never }), {
    name: 'TypeError',
    message: /connect needs transport 'wiregrpc'/,
  });
});

t.test('a call over h2c: the request headers as gRPC wants them, metadata both ways, the status', async (t) => {
  let seen: http2.IncomingHttpHeaders | undefined;
  let body: Buffer | undefined;
  const server = await fakeServer(async (stream, headers, request) => {
    seen = headers;
    body = await request;
    respond(stream, [frame('pong')], { 'grpc-status': '0', 'x-trailer': 't' }, { 'x-header': ['a', 'b'] });
  });
  t.teardown(() => server.close());
  const channel = new Channel(server.target, { transport: 'wiregrpc' });
  t.teardown(() => channel.close());
  const metadata = new Metadata();
  metadata.add('x-token', 'one');
  metadata.add('x-token', 'two');
  metadata.add('trace-bin', new Uint8Array([0, 1, 2]));
  const out = await transportCall(channel, PATH, [Buffer.from('ping')], { metadata, deadline: Date.now() + 5000 }).done;
  t.equal(out.error, undefined, String(out.error?.message));
  t.same(
    out.messages.map((m) => m.toString()),
    ['pong'],
  );
  t.same(out.headers?.getAll('x-header'), ['a', 'b'], 'a repeated response header: both values, in order');
  t.equal(out.trailers.get('x-trailer'), 't');
  t.equal(body?.subarray(5).toString(), 'ping', 'the request message, framed');
  t.equal(seen?.[':method'], 'POST');
  t.equal(seen?.[':scheme'], 'http');
  t.equal(seen?.[':path'], PATH);
  t.equal(seen?.[':authority'], server.target);
  t.equal(seen?.['content-type'], 'application/grpc');
  t.equal(seen?.te, 'trailers');
  t.match(seen?.['user-agent'], /^wiregrpc\//);
  t.match(seen?.['grpc-timeout'], /^\d+m$/);
  t.equal(seen?.['x-token'], 'one, two', 'repeated metadata: two fields (node joins them)');
  t.equal(seen?.['trace-bin'], 'AAEC', '-bin metadata in base64');
});

t.test('TLS: ALPN h2 and the server name checked; a server that does not pick h2 is UNAVAILABLE', async (t) => {
  const certs = makeCerts();
  t.teardown(certs.cleanup);
  const secure = http2.createSecureServer({ key: certs.serverKey, cert: certs.serverCert });
  secure.on('stream', (stream) => respond(stream, [frame('over tls')], { 'grpc-status': '0' }));
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => secure.close(() => r())));
  const port = (secure.address() as net.AddressInfo).port;
  const channel = new Channel(`localhost:${port}`, {
    transport: 'wiregrpc',
    tls: { ca: certs.ca },
    lookup: async () => [{ address: '127.0.0.1', family: 4 }],
  });
  t.teardown(() => channel.close());
  const out = await transportCall(channel, PATH, [frame('x')]).done;
  t.equal(out.error, undefined, String(out.error?.message));
  t.same(
    out.messages.map((m) => m.toString()),
    ['over tls'],
  );

  const wrongName = new Channel(`127.0.0.1:${port}`, {
    transport: 'wiregrpc',
    tls: { ca: certs.ca, servername: 'not-this-host.example' },
  });
  t.teardown(() => wrongName.close());
  const refused = await transportCall(wrongName, PATH, [frame('x')]).done;
  t.equal(refused.error?.code, Code.UNAVAILABLE);
  t.match(refused.error?.message, /not-this-host\.example/, 'the certificate does not name it');

  const http11 = tls.createServer({ key: certs.serverKey, cert: certs.serverCert }); // no ALPN: it picks nothing
  http11.on('secureConnection', (socket) => socket.on('error', () => {}));
  await new Promise<void>((r) => http11.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => http11.close(() => r())));
  const noH2 = new Channel(`127.0.0.1:${(http11.address() as net.AddressInfo).port}`, {
    transport: 'wiregrpc',
    tls: { ca: certs.ca, servername: 'localhost' },
  });
  t.teardown(() => noH2.close());
  const failed = await transportCall(noH2, PATH, [frame('x')]).done;
  t.equal(failed.error?.code, Code.UNAVAILABLE);
  t.match(failed.error?.message, 'did not negotiate HTTP/2 over TLS (ALPN: none, expected h2)');
});

t.test(
  "the server's MAX_CONCURRENT_STREAMS, once known: calls beyond it wait for a slot, none is refused",
  async (t) => {
    let open = 0;
    let most = 0;
    const server = http2.createServer({ settings: { maxConcurrentStreams: 2 } });
    server.on('stream', (stream) => {
      most = Math.max(most, ++open);
      stream.on('close', () => open--);
      setTimeout(() => respond(stream, [frame('ok')], { 'grpc-status': '0' }), 10);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.teardown(() => new Promise<void>((r) => server.close(() => r())));
    const channel = new Channel(`127.0.0.1:${(server.address() as net.AddressInfo).port}`, { transport: 'wiregrpc' });
    t.teardown(() => channel.close());
    // One call first: by its end the server's SETTINGS are known. (Calls made before they come go out at once,
    // as with node:http2, and the server refuses those over its limit unprocessed: client-retry-faults.test.ts.)
    t.equal((await transportCall(channel, PATH, [frame('x')]).done).error, undefined);
    const outs = await Promise.all(Array.from({ length: 7 }, () => transportCall(channel, PATH, [frame('x')]).done));
    t.same(
      outs.map((o) => o.error?.message),
      Array(7).fill(undefined),
      'every call succeeded',
    );
    t.equal(most, 2, 'never more than two streams at once');
  },
);

t.test('cancelling a streaming call: RST_STREAM(CANCEL) alone, the request is not half-closed first', async (t) => {
  // The server is src/h2's own Connection, to see the frames themselves: DATA flags and the reset code.
  const seen: string[] = [];
  let resolveSeen!: () => void;
  const reset = new Promise<void>((r) => (resolveSeen = r));
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    new Connection(nodeSocket(socket), {
      role: 'server',
      onStream(stream, _headers, endStream) {
        seen.push(`HEADERS${endStream ? ' END_STREAM' : ''}`);
        stream.onData = (chunk, end) => seen.push(`DATA ${chunk.length}${end ? ' END_STREAM' : ''}`);
        stream.onReset = (code, byPeer) => {
          seen.push(`RST_STREAM ${code}${byPeer ? ' from the client' : ''}`);
          resolveSeen();
        };
        stream.respond([':status', '200', 'content-type', 'application/grpc'], false);
      },
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const channel = new Channel(`127.0.0.1:${(server.address() as net.AddressInfo).port}`, { transport: 'wiregrpc' });
  t.teardown(() => channel.close());
  let status: number | undefined;
  const call = new ClientStream(channel, PATH, {
    onHeaders: () => call.cancel(),
    onMessage: () => {},
    onStatus: (error) => (status = error?.code),
  });
  call.start();
  void call.send(new Uint8Array([1, 2, 3]));
  await reset;
  t.equal(status, Code.CANCELLED);
  t.same(
    seen,
    ['HEADERS', 'DATA 8', 'RST_STREAM 8 from the client'],
    'the message, then RST_STREAM(CANCEL), no END_STREAM',
  );
});

t.test('a request stream waits while the server does not read (flow control), then goes on', async (t) => {
  let serverStream: http2.ServerHttp2Stream | undefined;
  let received = 0;
  const server = await fakeServer((stream) => {
    serverStream = stream;
    stream.pause();
    stream.on('data', (chunk: Buffer) => (received += chunk.length));
    stream.on('end', () => respond(stream, [], { 'grpc-status': '0' }));
  });
  t.teardown(() => server.close());
  const channel = new Channel(server.target, { transport: 'wiregrpc' });
  t.teardown(() => channel.close());
  const done = new Promise<number | undefined>((resolve) => {
    const call = new ClientStream(channel, PATH, {
      onHeaders: () => {},
      onMessage: () => {},
      onStatus: (error) => resolve(error?.code),
    });
    call.start();
    void (async () => {
      const message = new Uint8Array(64 * 1024);
      let sent = 0;
      let waited = false;
      // Bounded: 64 MiB at most before the writer must have been told to wait.
      for (let i = 0; i < 1024 && !waited; i++) {
        const wait = call.send(message);
        sent++;
        if (wait !== undefined) {
          waited = true;
          t.ok(sent * message.length < 4 * 1024 * 1024, `told to wait after ${sent} messages of 64 KiB`);
          await sleep(50);
          t.ok(received < sent * message.length, 'the server has not read it all');
          serverStream!.resume();
          await wait;
        }
      }
      t.ok(waited, 'the writer was told to wait');
      call.end();
    })();
  });
  t.equal(await done, undefined, 'then everything went through and the call is OK');
  t.ok(received > 0);
});

t.test('keepalive: PINGs go out on the idle connection and are answered', async (t) => {
  let pings = 0;
  const server = await fakeServer((stream) => respond(stream, [], { 'grpc-status': '0' }));
  server.server.on('session', (s) => s.on('ping', () => pings++));
  t.teardown(() => server.close());
  const channel = new Channel(server.target, {
    transport: 'wiregrpc',
    keepalive: { timeMs: 40, timeoutMs: 1000, permitWithoutCalls: true },
  });
  t.teardown(() => channel.close());
  t.equal((await transportCall(channel, PATH, [frame('x')]).done).error, undefined);
  for (let i = 0; i < 50 && pings < 3; i++) await sleep(20); // bounded: 1 s
  t.ok(pings >= 3, `pings answered (${pings})`);
  t.equal(channel.getState(), 'ready', 'and the connection is still up');
});

t.test('header records and flat lists: pseudo-headers first, repeated fields expanded and gathered', async (t) => {
  const record = { 'x-b': ['1', '2'], ':path': '/a.B/C', te: 'trailers', ':method': 'POST', n: 3 };
  t.same(flatHeaders(record), [
    ':path',
    '/a.B/C',
    ':method',
    'POST',
    'x-b',
    '1',
    'x-b',
    '2',
    'te',
    'trailers',
    'n',
    '3',
  ]);
  t.not(flatHeaders(record), flatHeaders(record), "one call's own record: flattened each time");
  const template = methodHeaders({ scheme: 'http', authority: 'h:1' }, '/a.B/C');
  t.equal(flatHeaders(template), flatHeaders(template), "a method's template: flattened once");
  t.same(flatHeaders(template).slice(0, 8), [
    ':method',
    'POST',
    ':scheme',
    'http',
    ':path',
    '/a.B/C',
    ':authority',
    'h:1',
  ]);
  t.same(headerRecord([':status', '200', 'a', '1', 'b', '2', 'a', '3', 'a', '4']), {
    ':status': 200,
    a: ['1', '3', '4'],
    b: '2',
  });
});

t.test('isIpAddress agrees with node:net isIP', async (t) => {
  const cases = [
    '127.0.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '256.1.1.1',
    '1.2.3',
    '01.2.3.4',
    '::',
    '::1',
    '1::',
    'fe80::1%eth0',
    '2001:db8::8a2e:370:7334',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::',
    '::ffff:192.0.2.1',
    '1::2::3',
    'localhost',
    'example.com',
    '12345::',
    ':1',
    '',
  ];
  for (const host of cases) t.equal(isIpAddress(host), net.isIP(host) !== 0, JSON.stringify(host));
});

t.test(
  'connect: a ByteStream of our own (cfConnect and web-stream-bytes over node:net sockets seen as WHATWG streams)',
  async (t) => {
    const server = await fakeServer(async (stream, _headers, body) => {
      const request = await body;
      respond(stream, [frame(request.subarray(5)), frame('and more')], { 'grpc-status': '0' });
    });
    t.teardown(() => server.close());
    let sockets = 0;
    // cloudflare:sockets' connect(), played by node:net: a Socket's two halves as WHATWG streams.
    const connect = (address: { hostname: string; port: number }) => {
      sockets++;
      const socket = net.connect(address.port, address.hostname);
      const { readable, writable } = Duplex.toWeb(socket);
      return {
        readable: readable as ReadableStream<Uint8Array>,
        writable: writable as WritableStream<Uint8Array>,
        opened: once(socket, 'connect').then(() => ({ remoteAddress: socket.remoteAddress })),
        close: async () => void socket.destroy(),
      };
    };
    const channel = new Channel(server.target, { connect: cfConnect(connect) });
    t.teardown(() => channel.close());
    t.ok((await sessionOf(channel)) instanceof H2ClientSession, 'connect implies transport wiregrpc');
    const big = Buffer.alloc(200_000, 7); // several DATA frames each way, past the first flow-control window
    const out = await transportCall(channel, PATH, [big]).done;
    t.equal(out.error, undefined, String(out.error?.message));
    t.equal(out.messages.length, 2);
    t.ok(out.messages[0]!.equals(big), 'the 200 KB message came back whole');
    t.equal(out.messages[1]!.toString(), 'and more');
    t.equal(sockets, 1, 'one socket for the channel');
  },
);

t.test("the http2 option's settings are what we advertise; its other fields are node:http2's", async (t) => {
  let remote: http2.Settings | undefined;
  const server = await fakeServer((stream) => {
    remote = stream.session!.remoteSettings;
    respond(stream, [], { 'grpc-status': '0' });
  });
  t.teardown(() => server.close());
  const channel = new Channel(server.target, {
    transport: 'wiregrpc',
    http2: { settings: { initialWindowSize: 1 << 20, maxHeaderListSize: 32 * 1024, maxFrameSize: 1 << 15 } },
  });
  t.teardown(() => channel.close());
  t.equal((await transportCall(channel, PATH, [frame('x')]).done).error, undefined);
  t.equal(remote?.initialWindowSize, 1 << 20);
  t.equal(remote?.maxHeaderListSize, 32 * 1024);
  t.equal(remote?.maxFrameSize, 1 << 15);
  t.equal(remote?.enablePush, false, 'a client that takes no pushes says so');
});
