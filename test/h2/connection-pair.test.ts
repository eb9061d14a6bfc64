// RFC 9113 between two of our own Connections, a server and a client, over the
// memory pipe: streams (§5.1), flow control both ways (§5.2, §6.9) with windows
// far smaller than the bodies, SETTINGS changed mid-connection (§6.5.3, §6.9.2),
// GOAWAY (§6.8), RST_STREAM both ways (§6.4), MAX_CONCURRENT_STREAMS (§5.1.2).
import t, { type Test } from 'tap';
import { ErrorCode, H2Error } from '../../src/h2/errors.js';
import { call, concat, echo, header, pair, pattern, REQUEST, tick } from './conn-helpers.js';
import type { H2Stream } from '../../src/h2/stream.js';
import type { ByteStream } from '../../src/h2/byte-stream.js';
import { Connection } from '../../src/h2/connection.js';
import { memoryPipe } from '../../src/h2/memory-pipe.js';

/** Byte-for-byte equality (t.same walks a large array element by element: slow). */
function sameBytes(t: Test, got: Uint8Array, want: Uint8Array, message = 'the same bytes'): void {
  t.ok(Buffer.from(got.buffer, got.byteOffset, got.length).equals(want), `${message} (${want.length} bytes)`);
}

/** `fn` throws an H2Error of this side's making (fault local). */
function throwsLocal(t: Test, fn: () => unknown, message = 'a local mistake'): void {
  try {
    fn();
    t.fail(`${message}: did not throw`);
  } catch (err) {
    t.ok(err instanceof H2Error && err.fault === 'local', `${message}: H2Error, fault local`);
  }
}

t.test('a request and its response: headers, body, trailers (§8.1)', async (t) => {
  const p = pair();
  const r = await call(p.client, pattern(1000));
  t.same(r.headers.slice(0, 2), [':status', '200']);
  sameBytes(t, r.body, pattern(1000));
  t.same(r.trailers, ['x-request-bytes', '1000', 'x-path', '/echo']);
  t.equal(r.reset, undefined);
  t.equal(r.stream.state, 'closed');
  t.equal(p.client.openStreams, 0);
  t.equal(p.server.openStreams, 0);
  const empty = await call(p.client);
  t.same(empty.trailers, ['x-request-bytes', '0', 'x-path', '/echo']);
  const only = await call(p.client, undefined, { extra: ['x-trailers-only', '1'] });
  t.same(only.headers, [':status', '200', 'x-path', '/echo'], 'a response of headers alone ends the stream');
  t.same(p.errors, []);
  p.client.goaway();
  await p.closed;
});

t.test('client stream ids are odd and increasing (§5.1.1)', async (t) => {
  const p = pair();
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) ids.push((await call(p.client, pattern(10))).stream.id);
  t.same(ids, [1, 3, 5, 7, 9]);
  p.client.destroy();
  await p.closed;
});

t.test('many concurrent streams with bodies larger than every window, both ways (§5.2, §6.9)', async (t) => {
  // Stream windows of 1,000 bytes both ways, the connection window at its minimum, frames split
  // by the pipe into 7-byte chunks: DATA must be queued, split, resumed on WINDOW_UPDATE, never dropped.
  const small = { settings: { initialWindowSize: 1000 }, connectionWindow: 65_535 };
  const p = pair(small, small, { chunkSize: 7 });
  const sizes = [0, 1, 999, 1000, 1001, 16_384, 16_385, 70_000, 200_000];
  const rs = await Promise.all(sizes.map((n, i) => call(p.client, pattern(n, i), { chunk: 4096 })));
  rs.forEach((r, i) => {
    sameBytes(t, r.body, pattern(sizes[i]!, i), `body of ${sizes[i]} bytes came back intact`);
    t.equal(header(r.trailers ?? [], 'x-request-bytes'), String(sizes[i]));
  });
  t.same(p.errors, []);
  p.client.destroy();
  await p.closed;
});

t.test('100 streams at once, each a 20 KB request and response', async (t) => {
  const p = pair({ settings: { maxConcurrentStreams: 1000 } });
  await tick(); // the server's SETTINGS arrive: its concurrency limit replaces the default
  const rs = await Promise.all(Array.from({ length: 100 }, (_, i) => call(p.client, pattern(20_000, i))));
  t.ok(rs.every((r, i) => Buffer.from(r.body).equals(Buffer.from(pattern(20_000, i)))));
  p.client.destroy();
  await p.closed;
});

t.test('SETTINGS_INITIAL_WINDOW_SIZE changed mid-connection moves every open stream window (§6.9.2)', async (t) => {
  const p = pair({ settings: { initialWindowSize: 70_000 } });
  await tick();
  // A response the client holds back: its stream window, not the connection's, stops the server.
  let serverStream: H2Stream | undefined;
  const p2 = pair(
    {
      onStream(stream) {
        serverStream = stream;
        stream.respond([':status', '200'], false);
        stream.write(pattern(300_000));
        stream.trailers(['x-done', '1']);
      },
    },
    { settings: { initialWindowSize: 10_000 } },
  );
  const stream = p2.client.request(REQUEST, true);
  const got: Uint8Array[] = [];
  let trailers: readonly string[] | undefined;
  stream.pause();
  stream.onData = (c) => got.push(c);
  stream.onHeaders = (h, end) => {
    if (end) trailers = h;
  };
  await tick(5);
  t.equal(concat(got).length, 10_000, 'a paused reader receives one window, 10,000 bytes');
  t.ok(serverStream!.bufferedBytes > 0, 'the rest waits on the server, queued');
  // The client now announces a larger initial window: the open stream's window grows by the difference.
  p2.client.settings({ initialWindowSize: 50_000 });
  await tick(5);
  t.equal(concat(got).length, 50_000, 'the new initial window applies to the open stream');
  // Lowered below what is in flight: the window goes negative, nothing more comes until credit returns.
  p2.client.settings({ initialWindowSize: 1000 });
  await tick(5);
  t.equal(concat(got).length, 50_000);
  stream.resume();
  await tick(20);
  t.equal(concat(got).length, 300_000, 'resumed: all of it, through the small window');
  sameBytes(t, concat(got), pattern(300_000));
  t.same(trailers, ['x-done', '1']);
  t.same(p.errors, []);
  t.same(p2.errors, []);
  p.client.destroy();
  p2.client.destroy();
  await Promise.all([p.closed, p2.closed]);
});

t.test('DATA waiting on a window goes out in frames across writes, not one frame or more per write', async (t) => {
  // Writes queued while the client holds its window closed: once it opens, frames are as large as the window
  // and SETTINGS_MAX_FRAME_SIZE allow, each write's tail sharing a frame with the next one's head.
  const writes = [10_000, 3000, 3000, 3000, 3000, 20_000];
  const total = writes.reduce((a, b) => a + b, 0);
  const body = pattern(total);
  const p = pair(
    {
      onStream(stream) {
        stream.respond([':status', '200'], false);
        for (let at = 0, i = 0; i < writes.length; at += writes[i]!, i++)
          stream.write(body.subarray(at, at + writes[i]!));
        stream.trailers(['x-done', '1']);
      },
    },
    { settings: { initialWindowSize: 10_000 } },
  );
  const stream = p.client.request(REQUEST, true);
  const frames: number[] = [];
  const got: Uint8Array[] = [];
  stream.pause();
  stream.onData = (c) => {
    frames.push(c.length);
    got.push(c);
  };
  await tick(5);
  t.same(frames, [10_000], 'the first write fills the window');
  p.client.settings({ initialWindowSize: 100_000 });
  stream.resume();
  await tick(20);
  sameBytes(t, concat(got), body);
  t.same(frames.slice(1), [16_384, total - 10_000 - 16_384], 'the five writes behind it: two full frames');
  t.same(p.errors, []);
  p.client.destroy();
  await p.closed;
});

t.test(
  'SETTINGS_MAX_FRAME_SIZE: the sender splits DATA and field blocks to the peer limit (§4.2, §6.10)',
  async (t) => {
    const p = pair({ settings: { maxFrameSize: 100_000 } }, { settings: { maxFrameSize: 20_000 } });
    const big = ['x-big', 'v'.repeat(40_000)];
    const r = await call(p.client, pattern(250_000), { extra: big });
    sameBytes(t, r.body, pattern(250_000));
    t.same(p.errors, []);
    p.client.destroy();
    await p.closed;
  },
);

t.test(
  'a response whose DATA falls short of its content-length is reset PROTOCOL_ERROR (§8.1.1); HEAD is not',
  async (t) => {
    const p = pair({
      onStream(stream, headers) {
        stream.respond([':status', '200', 'content-length', '10'], false);
        if (headers[1] === 'HEAD') stream.end();
        else {
          stream.write(pattern(4));
          stream.trailers(['x-done', '1']);
        }
      },
    });
    const short = await call(p.client, pattern(1));
    t.same(short.reset, { code: ErrorCode.PROTOCOL_ERROR, byPeer: false, connectionError: undefined });
    const head = p.client.request([':method', 'HEAD', ':scheme', 'http', ':path', '/', ':authority', 'x'], true);
    const ended = new Promise<boolean>((resolve) => {
      head.onData = (_c, end) => end && resolve(true);
      head.onReset = () => resolve(false);
    });
    t.equal(await ended, true, 'a response to HEAD has the length of a body it does not carry');
    const p304 = pair({
      onStream(stream) {
        stream.respond([':status', '304', 'content-length', '10'], true);
      },
    });
    const notModified = await call(p304.client, pattern(1));
    t.equal(notModified.reset, undefined, 'nor does a 304: no reset');
    t.same(p304.errors, []);
    p304.client.destroy();
    await p304.closed;
    t.same(p.errors, []);
    p.client.destroy();
    await p.closed;
  },
);

t.test('RST_STREAM from the client ends the stream on the server (§6.4)', async (t) => {
  let serverReset: [number, boolean] | undefined;
  const p = pair({
    onStream(stream, headers, endStream) {
      if (stream.id === 1) stream.onReset = (code, byPeer) => (serverReset = [code, byPeer]);
      else echo(stream, headers, endStream);
    },
  });
  const stream = p.client.request(REQUEST, false);
  stream.write(pattern(10));
  let clientReset: number | undefined;
  stream.onReset = (code) => (clientReset = code);
  await tick();
  stream.reset(ErrorCode.CANCEL);
  t.equal(stream.state, 'closed (reset sent)');
  t.equal(clientReset, ErrorCode.CANCEL, 'onReset for our own reset too, once');
  await tick();
  t.same(serverReset, [ErrorCode.CANCEL, true]);
  t.equal(p.server.openStreams, 0);
  t.throws(() => stream.write(pattern(1)), H2Error, 'no DATA after RST_STREAM');
  const after = await call(p.client, pattern(5));
  sameBytes(t, after.body, pattern(5), 'the connection lives');
  p.client.destroy();
  await p.closed;
});

t.test('RST_STREAM from the server: the client gets onReset(code, byPeer)', async (t) => {
  const p = pair({
    onStream(stream) {
      stream.reset(ErrorCode.REFUSED_STREAM);
    },
  });
  const r = await call(p.client, pattern(10));
  t.same(r.reset, { code: ErrorCode.REFUSED_STREAM, byPeer: true, connectionError: undefined });
  p.client.destroy();
  await p.closed;
});

t.test('MAX_CONCURRENT_STREAMS is enforced both ways (§5.1.2)', async (t) => {
  const held: H2Stream[] = [];
  const p = pair({
    settings: { maxConcurrentStreams: 2 },
    onStream(stream) {
      held.push(stream);
    },
  });
  // Before the server's SETTINGS arrive the client may open more (the initial value is unlimited) —
  // the server refuses the third with REFUSED_STREAM.
  const early = [call(p.client), call(p.client), call(p.client)];
  const third = await early[2]!;
  t.same(third.reset?.code, ErrorCode.REFUSED_STREAM, 'the server refuses a stream over its limit');
  t.equal(held.length, 2);
  // Now the client knows the limit: it refuses to open a third itself.
  t.equal(p.client.remoteSettings.maxConcurrentStreams, 2);
  t.throws(() => p.client.request(REQUEST, true), { code: ErrorCode.REFUSED_STREAM, fault: 'local' });
  for (const s of held) s.respond([':status', '200'], true);
  await Promise.all(early.slice(0, 2));
  t.equal(p.client.openStreams, 0);
  p.client.destroy();
  await p.closed;
});

t.test('GOAWAY from the server is graceful: open streams finish, new ones are refused (§6.8)', async (t) => {
  const held: H2Stream[] = [];
  const goaways: number[] = [];
  const p = pair(
    {
      onStream(stream) {
        held.push(stream);
      },
    },
    { onGoaway: (last) => goaways.push(last) },
  );
  const a = call(p.client);
  const b = call(p.client);
  await tick();
  p.server.goaway();
  await tick();
  t.same(goaways, [3], 'lastStreamId: the highest stream the server processed');
  t.ok(p.client.goingAway);
  t.throws(() => p.client.request(REQUEST, true), { code: ErrorCode.REFUSED_STREAM });
  for (const s of held) {
    s.respond([':status', '200'], false);
    s.write(pattern(100));
    s.trailers(['x-ok', '1']);
  }
  const [ra, rb] = await Promise.all([a, b]);
  sameBytes(t, ra.body, pattern(100));
  t.same(rb.trailers, ['x-ok', '1']);
  await p.closed; // the server closes once its last stream is done
  t.same(p.errors, []);
});

t.test('GOAWAY below a stream: the client learns it was not processed (REFUSED_STREAM, retry-safe)', async (t) => {
  // Streams 1 and 3 leave in one write; the server, handling 1, says GOAWAY(last=1): stream 3 is ignored.
  const seen: number[] = [];
  const p = pair({
    onStream(stream) {
      seen.push(stream.id);
      if (stream.id === 1) p.server.goaway();
      stream.respond([':status', '200'], true);
    },
  });
  const [a, b] = await Promise.all([call(p.client), call(p.client)]);
  t.equal(a.headers[1], '200');
  t.equal(b.reset?.code, ErrorCode.REFUSED_STREAM);
  t.equal(b.reset?.byPeer, true);
  t.ok(b.reset?.connectionError, 'the connection, not the server, refused it');
  t.same(seen, [1], 'the server never handled stream 3');
  await p.closed;
});

t.test('the client sends GOAWAY: the server finishes and closes', async (t) => {
  const p = pair();
  const r = call(p.client, pattern(50));
  p.client.goaway();
  sameBytes(t, (await r).body, pattern(50));
  await p.closed;
});

t.test('a connection error ends every stream with the GOAWAY code (§5.4.1)', async (t) => {
  const p = pair({ onStream() {} });
  const r = call(p.client, pattern(10));
  await tick();
  p.server.goaway(ErrorCode.INTERNAL_ERROR, 'shutting down hard');
  const got = await r;
  t.equal(got.reset?.byPeer, true);
  t.ok(got.reset?.connectionError, 'the stream ended because the connection went');
  await p.closed;
});

t.test('PING is answered with the same 8 bytes (§6.7)', async (t) => {
  const acks: Uint8Array[] = [];
  const p = pair({}, { onPingAck: (d) => acks.push(d) });
  p.client.ping(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  await tick();
  t.same(acks, [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])]);
  t.throws(() => p.client.ping(new Uint8Array(3)), H2Error);
  p.client.destroy();
  await p.closed;
});

t.test('server backpressure: a paused stream stops the client, resume lets it go on (§5.2)', async (t) => {
  let serverStream: H2Stream | undefined;
  let received = 0;
  const p = pair({
    onStream(stream) {
      serverStream = stream;
      stream.pause();
      stream.onData = (c, end) => {
        received += c.length;
        if (end) stream.respond([':status', '200'], true);
      };
    },
  });
  const r = call(p.client, pattern(500_000), { chunk: 16_384 });
  await tick(10);
  t.equal(received, 65_535, 'the server receives exactly one stream window while paused');
  serverStream!.resume();
  await r;
  t.equal(received, 500_000);
  p.client.destroy();
  await p.closed;
});

t.test('write() returns false above the high-water mark; onDrain when all is out', async (t) => {
  let drained = 0;
  let first: boolean | undefined;
  const p = pair({
    onStream(stream) {
      stream.respond([':status', '200'], false);
      first = stream.write(pattern(200_000));
      stream.onDrain = () => {
        drained++;
        stream.trailers(['x', '1']);
      };
    },
  });
  const r = await call(p.client);
  t.equal(first, false);
  t.equal(drained, 1);
  t.equal(r.body.length, 200_000);
  p.client.destroy();
  await p.closed;
});

t.test('local mistakes throw H2Error (fault local) and change nothing', async (t) => {
  const p = pair({
    onStream(stream) {
      throwsLocal(t, () => stream.write(pattern(1)), 'DATA before respond()');
      throwsLocal(t, () => stream.respond([':status', '200', 'Bad-Name', 'x'], false));
      stream.respond([':status', '200'], false);
      throwsLocal(t, () => stream.respond([':status', '200'], false), 'respond twice');
      stream.trailers(['x', '1']);
      throwsLocal(t, () => stream.write(pattern(1)), 'DATA after END_STREAM');
    },
  });
  throwsLocal(t, () => p.server.request(REQUEST, true), 'a server opens no streams');
  const r = await call(p.client);
  t.same(r.trailers, ['x', '1']);
  throwsLocal(t, () => p.client.request(['A', 'b'], true));
  t.same((await call(p.client, pattern(3))).reset, undefined, 'the refused request left HPACK in step');
  p.client.destroy();
  await p.closed;
});

t.test('a stream callback that throws resets that stream only', async (t) => {
  const p = pair({
    onStream(stream, headers) {
      if (header(headers, ':path') === '/boom') throw new Error('handler bug');
      stream.respond([':status', '200'], true);
    },
  });
  const r = await call(p.client, undefined, { path: '/boom' });
  t.equal(r.reset?.code, ErrorCode.INTERNAL_ERROR);
  t.match(p.errors[0]?.message, /handler bug/);
  t.equal(p.errors[0]?.scope, 'stream');
  t.same((await call(p.client)).headers.slice(0, 2), [':status', '200']);
  p.client.destroy();
  await p.closed;
});

t.test('destroy() ends every stream with a connection error; onClose on both sides', async (t) => {
  const p = pair({ onStream() {} });
  const r = call(p.client, pattern(10));
  await tick();
  p.client.destroy();
  const got = await r;
  t.equal(got.reset?.code, ErrorCode.CANCEL);
  t.ok(got.reset?.connectionError);
  await p.closed;
  t.throws(() => p.client.request(REQUEST, true), { code: ErrorCode.REFUSED_STREAM });
});

t.test(
  'a stream reset while its DATA waits for window sends nothing more (§6.4: nothing after RST_STREAM)',
  async (t) => {
    // The client's 300 KB wait on the stream window; the server resets the stream on the first DATA, and its
    // connection-level WINDOW_UPDATEs then wake the client's waiting streams: the reset one must stay silent.
    const p = pair({
      onStream(stream, headers, endStream) {
        if (stream.id === 1) stream.onData = () => stream.reset(ErrorCode.CANCEL);
        else echo(stream, headers, endStream);
      },
    });
    const r = await call(p.client, pattern(300_000), { chunk: 300_000 });
    t.equal(r.reset?.code, ErrorCode.CANCEL);
    await tick(5);
    t.same(p.errors, [], 'no error either side');
    sameBytes(t, (await call(p.client, pattern(10))).body, pattern(10), 'the connection serves on');
    p.client.destroy();
    await p.closed;
  },
);

t.test('the frames of one tick leave in ONE write of the byte stream', async (t) => {
  const [a, b] = memoryPipe();
  const writes: number[] = [];
  const counting: ByteStream = {
    start: (sink) => b.start(sink),
    write: (data) => (writes.push(data.length), b.write(data)),
    end: () => b.end(),
    destroy: (e) => b.destroy(e),
  };
  const server = new Connection(a, { role: 'server', onStream: echo });
  const client = new Connection(counting, { role: 'client' });
  await tick(); // the handshake (here the preface, SETTINGS, WINDOW_UPDATE and SETTINGS ACK went in one write too)
  writes.length = 0;
  const calls = Array.from({ length: 20 }, (_, i) => call(client, pattern(100, i)));
  await Promise.resolve();
  t.equal(writes.length, 1, '20 requests (HEADERS and DATA each) in one write');
  await Promise.all(calls);
  client.destroy();
  server.destroy();
});

t.test("the peer's SETTINGS_HEADER_TABLE_SIZE bounds our HPACK encoder (§6.5.2, RFC 7541 §4.2)", async (t) => {
  // A server with no dynamic table (0) and a client allowing 64 KiB: both directions stay in step.
  const p = pair({ settings: { headerTableSize: 0 } }, { settings: { headerTableSize: 65_536 } });
  for (let i = 0; i < 5; i++) {
    const r = await call(p.client, pattern(10), { extra: ['x-repeat', 'the same value each time', 'x-i', String(i)] });
    t.same(r.trailers, ['x-request-bytes', '10', 'x-path', '/echo']);
  }
  t.same(p.errors, []);
  p.client.destroy();
  await p.closed;
});

t.test('malformed messages are stream errors PROTOCOL_ERROR (§8.1.1, §8.3)', async (t) => {
  const refused: string[] = [];
  const p = pair({
    onStreamError(_stream, error) {
      refused.push(`${error.code}:${error.detail}`);
    },
    onStream(stream, headers) {
      const path = header(headers, ':path');
      if (path === '/no-status') stream.respond(['x-a', '1'], true);
      else if (path === '/two-status') stream.respond([':status', '200', ':status', '204'], true);
      else if (path === '/pseudo-trailer') {
        stream.respond([':status', '200'], false);
        stream.trailers([':path', '/x']);
      } else stream.respond([':status', '200'], true);
    },
  });
  for (const path of ['/no-status', '/two-status', '/pseudo-trailer']) {
    const r = await call(p.client, undefined, { path });
    t.equal(r.reset?.code, ErrorCode.PROTOCOL_ERROR, `the client refuses the response of ${path}`);
    t.equal(r.reset?.byPeer, false);
  }
  // Requests our client would not send: written with the headers the test chooses.
  const missing = p.client.request([':method', 'GET', ':scheme', 'http', ':authority', 'x'], true);
  const twice = p.client.request([':method', 'GET', ':method', 'GET', ':scheme', 'http', ':path', '/'], true);
  const relative = p.client.request([':method', 'GET', ':scheme', 'http', ':path', 'index.html'], true);
  const resets: number[] = [];
  for (const s of [missing, twice, relative]) s.onReset = (code) => resets.push(code);
  await tick(5);
  t.same(
    resets,
    [1, 1, 1].map(() => ErrorCode.PROTOCOL_ERROR),
    'the three requests reset by the server',
  );
  t.same(
    refused.map((r) => r.split(':')[0]),
    [1, 1, 1].map(() => String(ErrorCode.PROTOCOL_ERROR)),
  );
  t.match(refused[0], /without a :path/);
  t.match(refused[1], /appears twice/);
  t.match(refused[2], /neither/);
  const star = await call(p.client, undefined, { method: 'OPTIONS', path: '*' });
  t.equal(star.reset, undefined, 'OPTIONS * is a request like any other');
  const after = await call(p.client, pattern(3));
  t.equal(after.reset, undefined, 'the connection lives');
  t.equal(header(after.headers, ':status'), '200');
  p.client.destroy();
  await p.closed;
});

t.test('destroy() from inside a callback: the frames after it in the same chunk are not acted on', async (t) => {
  const seen: number[] = [];
  const p = pair({
    onStream(stream) {
      seen.push(stream.id);
      if (stream.id === 1) p.server.destroy();
    },
  });
  const rs = await Promise.all([call(p.client), call(p.client), call(p.client)]); // one write: three HEADERS
  t.same(seen, [1], 'streams 3 and 5 were never handed to onStream');
  t.ok(
    rs.every((r) => r.reset?.connectionError !== undefined),
    'every client stream ends with the connection',
  );
  await p.closed;
});

t.test('onClose: once per stream ended by the normal path, never with onReset', async (t) => {
  const events: string[] = [];
  const track = (side: string, stream: H2Stream): void => {
    stream.onClose = () => events.push(`${side} ${stream.id} close`);
    const onReset = stream.onReset;
    stream.onReset = (code, byPeer, e) => {
      events.push(`${side} ${stream.id} reset ${code}`);
      onReset(code, byPeer, e);
    };
  };
  const p = pair(
    {
      onStream(stream, headers, endStream) {
        echo(stream, headers, endStream);
        track('server', stream);
      },
    },
    { settings: { initialWindowSize: 1000 } },
  );
  await tick();
  // A unary call; then one whose 3 KB response and trailers wait behind the client's 1,000-byte window.
  const unary = call(p.client, pattern(10));
  track('client', (await unary).stream);
  const slow = call(p.client, pattern(3000));
  const r = await slow;
  track('client', r.stream);
  await tick();
  t.same(r.trailers, ['x-request-bytes', '3000', 'x-path', '/echo']);
  t.same(events, ['server 1 close', 'server 3 close'], 'the server learns each call is over; no reset');
  t.equal(p.server.openStreams, 0);
  p.client.destroy();
  await p.closed;
});

t.test('onClose on the server when its response completes before the request (then RST_STREAM NO_ERROR)', async (t) => {
  let closed = 0;
  let serverReset = false;
  const p = pair({
    onStream(stream) {
      stream.onClose = () => closed++;
      stream.onReset = () => (serverReset = true);
      stream.respond([':status', '200'], true);
    },
  });
  const stream = p.client.request(REQUEST, false);
  let clientReset = false;
  stream.onReset = () => (clientReset = true);
  const clientClosed = new Promise<void>((resolve) => (stream.onClose = resolve));
  stream.write(pattern(10)); // the request goes on: the server's RST_STREAM(NO_ERROR) declines the rest
  await clientClosed;
  t.equal(clientReset, false, 'the client has the whole response: RST_STREAM(NO_ERROR) ends it normally (§8.1)');
  t.throws(() => stream.write(pattern(1)), H2Error, 'nothing more may be sent on it');
  t.equal(closed, 1);
  t.equal(serverReset, false);
  p.client.destroy();
  await p.closed;
});

t.test('terminate(): GOAWAY, every stream ends, queued frames still go out, then the close', async (t) => {
  const goaways: [number, number][] = [];
  let serverReset: [number, boolean] | undefined;
  const p = pair(
    {
      onStream(stream) {
        stream.onReset = (code, byPeer) => (serverReset = [code, byPeer]);
        stream.respond([':status', '200'], false); // then nothing: the call hangs until terminate()
      },
    },
    { onGoaway: (last, code) => goaways.push([last, code]) },
  );
  const r = call(p.client, pattern(10));
  await tick();
  p.server.terminate(ErrorCode.NO_ERROR, 'shutdown');
  t.same(serverReset, [ErrorCode.CANCEL, false], 'the server stream ends at once');
  const got = await r;
  t.same(goaways, [[1, ErrorCode.NO_ERROR]], 'the GOAWAY reached the client before the close');
  t.ok(got.reset?.connectionError, 'the client stream ended with the connection');
  await p.closed;
});
