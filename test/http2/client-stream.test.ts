/**
 * The client transport against a raw node:http2 server: what goes on the wire,
 * and what status the client reports for every way a server can answer (or not).
 */
import http2 from 'node:http2';
import type net from 'node:net';
import zlib from 'node:zlib';
import t from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { Channel } from '../../src/http2/channel.js';
import { ClientStream } from '../../src/http2/client-stream.js';
import { Code } from '../../src/wire/grpc/code.js';
import { Metadata } from '../../src/wire/grpc/metadata.js';
import { parseTimeout } from '../../src/wire/grpc/timeout.js';
import { fakeChannel, fakeServer, frame, respond, transportCall } from '../helpers/client-fake-server.js';

const PATH = '/wiregrpc.test.Echo/Unary';
const { constants } = http2;

function unframe(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < body.length) {
    const len = body.readUInt32BE(pos + 1);
    out.push(body.subarray(pos + 5, pos + 5 + len));
    pos += 5 + len;
  }
  return out;
}

t.test('request headers, framing, response messages, headers and trailers', async (t) => {
  let seen: http2.IncomingHttpHeaders | undefined;
  let seenBody: Buffer | undefined;
  const { server, channel } = await fakeChannel(t, async (stream, headers, body) => {
    seen = headers;
    seenBody = await body;
    respond(
      stream,
      unframe(seenBody).map((m) => frame(m)),
      { 'grpc-status': '0', 'x-trailer': 'tv' },
      { 'x-header': 'hv' },
    );
  });
  const { done } = transportCall(channel, PATH, [Buffer.from('hello'), Buffer.from('')]);
  const out = await done;
  t.equal(out.error, undefined);
  t.same(out.messages.map(String), ['hello', '']);
  t.equal(out.headers?.get('x-header'), 'hv');
  t.equal(out.trailers.get('x-trailer'), 'tv');
  t.equal(out.trailers.has('grpc-status'), false, 'status fields are not metadata');
  t.equal(seen![':method'], 'POST');
  t.equal(seen![':path'], PATH);
  t.equal(seen![':scheme'], 'http');
  t.equal(seen![':authority'], server.target);
  t.equal(seen!['content-type'], 'application/grpc');
  t.equal(seen!['te'], 'trailers');
  t.match(seen!['user-agent'], /^wiregrpc\/\d+\.\d+\.\d+/);
  t.match(seen!['grpc-accept-encoding'], /gzip/);
  t.equal(seen!['grpc-timeout'], undefined, 'no deadline, no grpc-timeout');
  t.same([...seenBody!], [0, 0, 0, 0, 5, ...Buffer.from('hello'), 0, 0, 0, 0, 0], 'each message is [flag][len][bytes]');
});

t.test('metadata both ways, -bin values base64 on the wire', async (t) => {
  let seen: http2.IncomingHttpHeaders | undefined;
  const { channel } = await fakeChannel(t, (stream, headers) => {
    seen = headers;
    respond(
      stream,
      [],
      { 'grpc-status': '0', 'trail-bin': Buffer.from([9, 8, 7]).toString('base64') },
      { 'head-bin': 'AQID' },
    );
  });
  const md = new Metadata({ 'x-text': 'value', 'x-data-bin': new Uint8Array([0, 255, 1]) });
  md.add('x-multi', 'a').add('x-multi', 'b');
  md.add('content-type', 'text/plain'); // reserved: must not replace ours
  const out = await transportCall(channel, PATH, [], { metadata: md }).done;
  t.equal(out.error, undefined);
  t.equal(seen!['x-text'], 'value');
  t.equal(seen!['x-data-bin'], Buffer.from([0, 255, 1]).toString('base64').replace(/=+$/, ''));
  t.equal(seen!['x-multi'], 'a, b');
  t.equal(seen!['content-type'], 'application/grpc');
  t.same([...(out.headers!.get('head-bin') as Uint8Array)], [1, 2, 3]);
  t.same([...(out.trailers.get('trail-bin') as Uint8Array)], [9, 8, 7]);
});

t.test('Trailers-Only response: status, percent-decoded message, metadata', async (t) => {
  const { channel } = await fakeChannel(t, (stream) => {
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-status': '5',
        'grpc-message': 'no%20such%20user%20%E2%9C%93',
        'x-why': 'gone',
      },
      { endStream: true },
    );
  });
  const out = await transportCall(channel, PATH, [Buffer.from('x')]).done;
  t.equal(out.error?.code, Code.NOT_FOUND);
  t.equal(out.error?.rawMessage, 'no such user ✓');
  t.equal(out.error?.metadata.get('x-why'), 'gone');
  t.equal(out.trailers.get('x-why'), 'gone');
  t.equal(out.headers, undefined, 'no headers for a Trailers-Only response');
});

t.test(
  'Trailers-Only is one HEADERS frame WITH END_STREAM: a grpc-status in headers that do not end the stream is not the status',
  async (t) => {
    // PROTOCOL-HTTP2.md: Trailers-Only → HTTP-Status Content-Type Trailers, in one HEADERS frame that ends the stream.
    // grpc-go decides on END_STREAM alone; a grpc-status in ordinary response headers is ignored.
    const { channel } = await fakeChannel(t, (stream) => {
      respond(
        stream,
        [frame('data')],
        { 'grpc-status': '5', 'grpc-message': 'from the trailers' },
        { 'grpc-status': '0', 'x-head': 'h' },
      );
    });
    const out = await transportCall(channel, PATH, []).done;
    t.same(out.messages.map(String), ['data'], 'the DATA after the headers is delivered');
    t.equal(out.headers?.get('x-head'), 'h', 'they are response headers');
    t.equal(out.headers?.has('grpc-status'), false, 'grpc-status is not metadata');
    t.equal(out.error?.code, Code.NOT_FOUND, "the status is the trailers'");
    t.equal(out.error?.rawMessage, 'from the trailers');
  },
);

t.test('error status in trailers after messages', async (t) => {
  const { channel } = await fakeChannel(t, (stream) => {
    respond(stream, [frame('a')], { 'grpc-status': '9', 'grpc-message': '100%25 broken' });
  });
  const out = await transportCall(channel, PATH, []).done;
  t.same(out.messages.map(String), ['a']);
  t.equal(out.error?.code, Code.FAILED_PRECONDITION);
  t.equal(out.error?.rawMessage, '100% broken');
});

t.test('HTTP errors without grpc-status map per the spec', async (t) => {
  const cases: [number, Code][] = [
    [503, Code.UNAVAILABLE],
    [404, Code.UNIMPLEMENTED],
    [401, Code.UNAUTHENTICATED],
    [400, Code.INTERNAL],
    [500, Code.UNKNOWN],
  ];
  let status = 0;
  const { server, channel } = await fakeChannel(t, (stream) => {
    stream.respond({ ':status': status, 'content-type': 'text/plain' });
    stream.end('proxy says no');
  });
  for (const [s, code] of cases) {
    status = s;
    const out = await transportCall(channel, PATH, []).done;
    t.equal(out.error?.code, code, `HTTP ${s}`);
    t.match(out.error?.message, String(s));
    t.match(out.error?.message, `target ${server.target}`);
  }
});

t.test('200 with a content-type that is not gRPC → UNKNOWN', async (t) => {
  const { channel } = await fakeChannel(t, (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'text/html' });
    stream.end('<html>');
  });
  const out = await transportCall(channel, PATH, []).done;
  t.equal(out.error?.code, Code.UNKNOWN);
  t.match(out.error?.message, 'text/html');
});

t.test('stream ends without trailers → INTERNAL', async (t) => {
  const { channel } = await fakeChannel(t, (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
    stream.end(frame('a'));
  });
  const out = await transportCall(channel, PATH, []).done;
  t.equal(out.error?.code, Code.INTERNAL);
  t.match(out.error?.message, 'without sending trailers');
});

t.test('stream ends inside a frame → INTERNAL', async (t) => {
  const { channel } = await fakeChannel(t, (stream) => {
    respond(stream, [frame('abcdef').subarray(0, 7)], { 'grpc-status': '0' });
  });
  const out = await transportCall(channel, PATH, []).done;
  t.equal(out.error?.code, Code.INTERNAL);
});

t.test('missing or bad grpc-status in trailers', async (t) => {
  let trailers: http2.OutgoingHttpHeaders = {};
  const { channel } = await fakeChannel(t, (stream) => respond(stream, [], trailers));
  trailers = { 'x-a': '1' };
  t.equal((await transportCall(channel, PATH, []).done).error?.code, Code.UNKNOWN);
  trailers = { 'grpc-status': 'abc' };
  t.equal((await transportCall(channel, PATH, []).done).error?.code, Code.UNKNOWN);
});

t.test('RST_STREAM codes map per the spec', async (t) => {
  const cases: [string, Code][] = [
    ['NGHTTP2_NO_ERROR', Code.INTERNAL],
    ['NGHTTP2_PROTOCOL_ERROR', Code.INTERNAL],
    ['NGHTTP2_INTERNAL_ERROR', Code.INTERNAL],
    ['NGHTTP2_REFUSED_STREAM', Code.UNAVAILABLE],
    ['NGHTTP2_CANCEL', Code.CANCELLED],
    ['NGHTTP2_ENHANCE_YOUR_CALM', Code.RESOURCE_EXHAUSTED],
    ['NGHTTP2_INADEQUATE_SECURITY', Code.PERMISSION_DENIED],
  ];
  let rst = 0;
  const { channel } = await fakeChannel(t, (stream) => stream.close(rst));
  for (const [name, code] of cases) {
    rst = (constants as unknown as Record<string, number>)[name]!;
    const out = await transportCall(channel, PATH, [Buffer.from('x')]).done;
    t.equal(out.error?.code, code, name);
    t.match(out.error?.message, rst === 0 ? 'without sending trailers' : name.replace('NGHTTP2_', ''));
  }
  t.equal(channel.getState(), 'ready', 'a reset stream does not break the connection');
});

t.test('RST_STREAM after response headers', async (t) => {
  const { channel } = await fakeChannel(t, (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
    stream.write(frame('a'), () => stream.close(constants.NGHTTP2_CANCEL));
  });
  const out = await transportCall(channel, PATH, []).done;
  t.equal(out.error?.code, Code.CANCELLED);
});

t.test('REFUSED_STREAM: a replayable call is sent again once', async (t) => {
  let n = 0;
  const bodies: string[] = [];
  const { channel } = await fakeChannel(t, async (stream, _h, body) => {
    n++;
    if (n === 1) {
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    const b = await body;
    bodies.push(unframe(b).map(String).join());
    respond(stream, [frame('ok')], { 'grpc-status': '0' });
  });
  const out = await transportCall(channel, PATH, [Buffer.from('again')], { replayable: true }).done;
  t.equal(out.error, undefined);
  t.same(out.messages.map(String), ['ok']);
  t.equal(n, 2);
  t.same(bodies, ['again'], 'the same request, whole');

  n = 0;
  const always = await transportCall(channel, PATH, [Buffer.from('x')], { replayable: true }).done;
  t.equal(always.error, undefined, 'first refused, second served');
});

t.test('deadline: grpc-timeout sent, DEADLINE_EXCEEDED locally, server sees RST_STREAM(CANCEL)', async (t) => {
  let timeout: string | undefined;
  let serverRst: Promise<number> | undefined;
  const { channel } = await fakeChannel(t, (stream, headers) => {
    timeout = headers['grpc-timeout'] as string;
    serverRst = new Promise((resolve) => stream.on('close', () => resolve(stream.rstCode)));
  });
  const start = Date.now();
  const out = await transportCall(channel, PATH, [Buffer.from('x')], { deadline: Date.now() + 200 }).done;
  t.equal(out.error?.code, Code.DEADLINE_EXCEEDED);
  t.ok(Date.now() - start >= 190, 'not before the deadline');
  t.match(timeout, /^\d{1,8}[HMSmun]$/);
  const ms =
    parseInt(timeout!, 10) *
    ({ m: 1, u: 1e-3, n: 1e-6, S: 1000, M: 60000, H: 3600000 } as Record<string, number>)[timeout!.slice(-1)]!;
  t.ok(ms > 100 && ms <= 200, `grpc-timeout ${timeout} ≈ 200ms`);
  t.equal(await serverRst, constants.NGHTTP2_CANCEL);
});

t.test("a deadline past setTimeout's ceiling (2^31-1 ms, ~24.8 days) does not expire at once", async (t) => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.name);
  process.on('warning', onWarning);
  t.teardown(() => void process.off('warning', onWarning));
  let timeout: string | undefined;
  const { channel } = await fakeChannel(t, (stream, headers) => {
    timeout = headers['grpc-timeout'] as string;
    setTimeout(() => respond(stream, [frame('late')], { 'grpc-status': '0' }), 50);
  });
  const out = await transportCall(channel, PATH, [Buffer.from('x')], { deadline: Date.now() + 30 * 24 * 3600 * 1000 })
    .done;
  t.equal(out.error, undefined, 'the call is answered, not DEADLINE_EXCEEDED');
  t.same(out.messages.map(String), ['late']);
  const ms = parseTimeout(timeout ?? '');
  t.ok(typeof ms === 'number' && Math.abs(ms - 30 * 24 * 3600 * 1000) < 60_000, `grpc-timeout ${timeout} says 30 days`);
  await new Promise((r) => setImmediate(r));
  t.notOk(warnings.includes('TimeoutOverflowWarning'), 'no TimeoutOverflowWarning');
});

t.test('a deadline already past fails without a request', async (t) => {
  let requests = 0;
  const { channel } = await fakeChannel(t, () => requests++);
  const out = await transportCall(channel, PATH, [], { deadline: Date.now() - 1 }).done;
  t.equal(out.error?.code, Code.DEADLINE_EXCEEDED);
  t.equal(requests, 0);
  t.equal(channel.getState(), 'idle', 'not even a connection');
});

t.test('AbortSignal: CANCELLED, server sees RST_STREAM(CANCEL)', async (t) => {
  const ac = new AbortController();
  let serverRst: Promise<number> | undefined;
  const { channel } = await fakeChannel(t, (stream) => {
    serverRst = new Promise((resolve) => stream.on('close', () => resolve(stream.rstCode)));
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
    stream.write(frame('first'));
  });
  const call = transportCall(channel, PATH, [Buffer.from('x')], { signal: ac.signal });
  await new Promise((r) => setTimeout(r, 100));
  ac.abort();
  const out = await call.done;
  t.equal(out.error?.code, Code.CANCELLED);
  t.same(out.messages.map(String), ['first']);
  t.equal(await serverRst, constants.NGHTTP2_CANCEL);
});

t.test('an aborted signal fails the call before it starts', async (t) => {
  const { channel } = await fakeChannel(t, () => t.fail('no request expected'));
  const out = await transportCall(channel, PATH, [], { signal: AbortSignal.abort() }).done;
  t.equal(out.error?.code, Code.CANCELLED);
});

t.test('receive limit → RESOURCE_EXHAUSTED before the message is buffered', async (t) => {
  let serverRst: Promise<number> | undefined;
  const { channel } = await fakeChannel(
    t,
    (stream) => {
      serverRst = new Promise((resolve) => stream.on('close', () => resolve(stream.rstCode)));
      respond(stream, [frame('0123456789'), frame('0123456789A')], { 'grpc-status': '0' });
    },
    { maxReceiveMessageLength: 10 },
  );
  const out = await transportCall(channel, PATH, []).done;
  t.equal(out.error?.code, Code.RESOURCE_EXHAUSTED);
  t.same(out.messages.map(String), ['0123456789'], 'a message at the limit is fine');
  t.ok([constants.NGHTTP2_CANCEL, constants.NGHTTP2_NO_ERROR].includes(await serverRst!));
});

t.test('send limit → RESOURCE_EXHAUSTED, nothing sent', async (t) => {
  const { channel } = await fakeChannel(t, (stream) => respond(stream, [], { 'grpc-status': '0' }), {
    maxSendMessageLength: 4,
  });
  const out = await transportCall(channel, PATH, [Buffer.from('12345')]).done;
  t.equal(out.error?.code, Code.RESOURCE_EXHAUSTED);
});

t.test('compression: gzip request messages, gzip and deflate responses', async (t) => {
  let seen: http2.IncomingHttpHeaders | undefined;
  let flags: number[] = [];
  let payloads: string[] = [];
  let encoding = 'gzip';
  const { channel } = await fakeChannel(t, async (stream, headers, body) => {
    seen = headers;
    const b = await body;
    flags = [];
    payloads = [];
    let pos = 0;
    while (pos < b.length) {
      const len = b.readUInt32BE(pos + 1);
      flags.push(b[pos]!);
      const p = b.subarray(pos + 5, pos + 5 + len);
      payloads.push(String(b[pos] ? zlib.gunzipSync(p) : p));
      pos += 5 + len;
    }
    const z = encoding === 'gzip' ? zlib.gzipSync : zlib.deflateSync;
    respond(
      stream,
      [frame(z(Buffer.from('squeezed')), true), frame('plain')],
      { 'grpc-status': '0' },
      { 'grpc-encoding': encoding },
    );
  });
  const big = Buffer.alloc(100_000, 'a'); // above the sync limit of the compression helper: async path
  const out = await transportCall(channel, PATH, [Buffer.from('one'), big, Buffer.from('three')], {
    compression: 'gzip',
  }).done;
  t.equal(out.error, undefined);
  t.equal(seen!['grpc-encoding'], 'gzip');
  t.same(flags, [1, 1, 1]);
  t.same(payloads, ['one', big.toString(), 'three'], 'in order');
  t.same(out.messages.map(String), ['squeezed', 'plain'], 'compressed and plain frames, in order');
  encoding = 'deflate';
  const out2 = await transportCall(channel, PATH, []).done;
  t.same(out2.messages.map(String), ['squeezed', 'plain']);
});

t.test(
  'compression: once a compressed message is out, an uncompressed one is written at once again (no promise chain)',
  async (t) => {
    let payloads: string[] = [];
    const { channel } = await fakeChannel(t, async (stream, _headers, body) => {
      const b = await body;
      payloads = [];
      for (let pos = 0; pos < b.length;) {
        const len = b.readUInt32BE(pos + 1);
        const p = b.subarray(pos + 5, pos + 5 + len);
        payloads.push(`${b[pos]}:${b[pos] ? zlib.gunzipSync(p) : p}`);
        pos += 5 + len;
      }
      respond(stream, [], { 'grpc-status': '0' });
    });
    let ended!: () => void;
    const done = new Promise<void>((resolve) => (ended = resolve));
    const call = new ClientStream(
      channel,
      PATH,
      { onHeaders() {}, onMessage() {}, onStatus: () => ended() },
      { compression: 'gzip', compressMessage: (i) => i === 0 },
    );
    call.start();
    const first = call.send(Buffer.from('zipped'));
    t.ok(first instanceof Promise, 'a compressed message waits for zlib');
    await first;
    await new Promise((r) => setImmediate(r));
    t.equal(call.send(Buffer.from('plain')), undefined, 'the next, uncompressed, is queued synchronously');
    call.end();
    await done;
    t.same(payloads, ['1:zipped', '0:plain'], 'in order, flagged per message');
  },
);

t.test('a compressed frame without grpc-encoding → INTERNAL', async (t) => {
  const { channel } = await fakeChannel(t, (stream) =>
    respond(stream, [frame(zlib.gzipSync('x'), true)], { 'grpc-status': '0' }),
  );
  const out = await transportCall(channel, PATH, []).done;
  t.equal(out.error?.code, Code.INTERNAL);
});

t.test('decompressed size counts against the receive limit', async (t) => {
  const { channel } = await fakeChannel(
    t,
    (stream) =>
      respond(
        stream,
        [frame(zlib.gzipSync(Buffer.alloc(5000)), true)],
        { 'grpc-status': '0' },
        { 'grpc-encoding': 'gzip' },
      ),
    { maxReceiveMessageLength: 1000 },
  );
  const out = await transportCall(channel, PATH, []).done;
  t.equal(out.error?.code, Code.RESOURCE_EXHAUSTED);
});

t.test('GOAWAY: calls in flight finish, the next call opens a new connection', async (t) => {
  const { server, channel } = await fakeChannel(t, (stream) => {
    respond(stream, [frame('hi')], { 'grpc-status': '0' });
  });
  const sessionsSeen = new Set<http2.ServerHttp2Session>();
  server.server.on('stream', (stream) => sessionsSeen.add(stream.session as http2.ServerHttp2Session));
  t.equal((await transportCall(channel, PATH, []).done).error, undefined);
  const [first] = [...server.sessions];
  first!.goaway(constants.NGHTTP2_NO_ERROR);
  await new Promise((r) => setTimeout(r, 50));
  const out = await transportCall(channel, PATH, []).done;
  t.equal(out.error, undefined);
  t.equal(sessionsSeen.size, 2, 'a second connection');
});

t.test('connection lost mid-call → UNAVAILABLE naming the cause; the channel reconnects', async (t) => {
  let kill = true;
  const { server, channel } = await fakeChannel(t, (stream) => {
    if (kill) {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      stream.write(frame('a'), () => stream.session!.destroy());
    } else {
      respond(stream, [], { 'grpc-status': '0' });
    }
  });
  const out = await transportCall(channel, PATH, []).done;
  t.equal(out.error?.code, Code.UNAVAILABLE);
  t.match(out.error?.message, `target ${server.target}`);
  kill = false;
  const again = await transportCall(channel, PATH, []).done;
  t.equal(again.error, undefined, 'same channel, new connection');
});

t.test('TCP connection cut inside a response message → UNAVAILABLE (lost connection), not INTERNAL', async (t) => {
  // issue #15 point 8: the half-received frame is the connection's fault. Contrast with
  // 'stream ends inside a frame → INTERNAL' above, where the server itself ends the stream.
  const sockets: net.Socket[] = [];
  const { server, channel } = await fakeChannel(t, (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
    // 5-byte prefix announcing 8 bytes, then 3 of them: the message is cut in half
    stream.write(frame('abcdefgh').subarray(0, 8), () => setTimeout(() => sockets.at(-1)!.destroy(), 10));
  });
  server.server.on('connection', (socket: net.Socket) => sockets.push(socket));
  const out = await transportCall(channel, PATH, []).done;
  t.equal(out.error?.code, Code.UNAVAILABLE, 'the connection was lost');
  t.match(out.error?.message, /connection to 127\.0\.0\.1:\d+ lost/);
  t.notMatch(out.error?.message, 'inside a message');
});

t.test('connection refused → UNAVAILABLE naming target and cause; waitForReady waits', async (t) => {
  const probe = await fakeServer(() => {});
  const port = probe.port;
  await probe.close();
  const channel = new Channel(`127.0.0.1:${port}`, { backoff: { initialMs: 50, maxMs: 100 } });
  t.teardown(() => channel.close());
  const out = await transportCall(channel, PATH, []).done;
  t.equal(out.error?.code, Code.UNAVAILABLE);
  t.match(out.error?.message, `ECONNREFUSED 127.0.0.1:${port}`);
  t.match(out.error?.message, `(target 127.0.0.1:${port}, method ${PATH})`);
  t.equal(channel.getState(), 'transient_failure');
  // Fail fast while in backoff, too.
  const again = await transportCall(channel, PATH, []).done;
  t.equal(again.error?.code, Code.UNAVAILABLE);
  // waitForReady: waits until the deadline.
  const start = Date.now();
  const waited = await transportCall(channel, PATH, [], { waitForReady: true, deadline: Date.now() + 300 }).done;
  t.equal(waited.error?.code, Code.DEADLINE_EXCEEDED);
  t.ok(Date.now() - start >= 290);
  t.match(waited.error?.message, 'waiting for a connection');
});

t.test('waitForReady: the call goes out once the server comes up', async (t) => {
  const probe = await fakeServer(() => {});
  const port = probe.port;
  await probe.close();
  const channel = new Channel(`127.0.0.1:${port}`, { backoff: { initialMs: 50, maxMs: 100, jitter: 0 } });
  t.teardown(() => channel.close());
  const pending = transportCall(channel, PATH, [Buffer.from('wait')], {
    waitForReady: true,
    deadline: Date.now() + 5000,
  }).done;
  await new Promise((r) => setTimeout(r, 150));
  const server = http2.createServer();
  server.on('stream', (stream) => respond(stream, [frame('late')], { 'grpc-status': '0' }));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const out = await pending;
  t.equal(out.error, undefined);
  t.same(out.messages.map(String), ['late']);
  await channel.close();
});

t.test('pull-based reading: a paused call stops the server via flow control', async (t) => {
  let blocked: Promise<void> | undefined;
  let finishWriting: Promise<void> | undefined;
  const total = 400;
  const { channel } = await fakeChannel(t, (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    const chunk = frame(Buffer.alloc(4096, 1));
    let resolveBlocked!: () => void;
    blocked = new Promise((r) => (resolveBlocked = r));
    finishWriting = (async () => {
      for (let i = 0; i < total; i++) {
        if (!stream.write(chunk)) {
          resolveBlocked();
          await new Promise((r) => stream.once('drain', r));
        }
      }
      stream.end();
    })();
  });
  let received = 0;
  const { ClientStream } = await import('../../src/http2/client-stream.js');
  let stream!: InstanceType<typeof ClientStream>;
  const done = new Promise<Code | undefined>((resolve) => {
    stream = new ClientStream(channel, PATH, {
      onHeaders: () => stream.pause(),
      onMessage: () => received++,
      onStatus: (e) => resolve(e?.code),
    });
  });
  stream.start();
  stream.end();
  await blocked;
  await new Promise((r) => setTimeout(r, 100));
  t.ok(received < total, `paused: ${received} of ${total} delivered`);
  stream.resume();
  await finishWriting;
  t.equal(await done, undefined);
  t.equal(received, total);
});

t.test('write backpressure: send() asks to wait while the server does not read', async (t) => {
  let serverStream: http2.ServerHttp2Stream | undefined;
  let gotAll: Promise<number> | undefined;
  const { channel } = await fakeChannel(t, (stream) => {
    serverStream = stream;
    stream.pause();
    gotAll = new Promise((resolve) => {
      let n = 0;
      stream.on('data', (c: Buffer) => (n += c.length));
      stream.on('end', () => {
        resolve(n);
        respond(stream, [], { 'grpc-status': '0' });
      });
    });
    stream.pause();
  });
  const { ClientStream } = await import('../../src/http2/client-stream.js');
  let endCode: Promise<Code | undefined>;
  let stream!: InstanceType<typeof ClientStream>;
  endCode = new Promise((resolve) => {
    stream = new ClientStream(channel, PATH, {
      onHeaders: () => {},
      onMessage: () => {},
      onStatus: (e) => resolve(e?.code),
    });
  });
  stream.start();
  const msg = Buffer.alloc(16 * 1024, 2);
  let waits = 0;
  let sent = 0;
  for (let i = 0; i < 64; i++) {
    const w = stream.send(msg);
    sent += msg.length + 5;
    if (w) {
      waits++;
      if (waits === 1) setTimeout(() => serverStream?.resume(), 50);
      await w;
    }
  }
  stream.end();
  t.ok(waits > 0, `send() asked to wait ${waits} times`);
  t.equal(await gotAll, sent);
  t.equal(await endCode, undefined);
});
