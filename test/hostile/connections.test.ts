// Hostile *connections* (issue #13): peers that hold sockets without speaking,
// leave HTTP/1.1 heads unfinished, ping too often, reset streams across many
// connections, send oversized metadata or bad WINDOW_UPDATEs. Each attack runs
// with short option values against an in-process server on 127.0.0.1, every
// loop bounded, every socket closed. During each attack a normal unary call
// on a fresh connection must succeed within CALL_BOUND_MS (it takes ~2 ms on
// an idle machine; the bound leaves room for a loaded CI box), and the heap
// may grow by at most HEAP_BOUND_MB.
import t, { type Test } from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import http2 from 'node:http2';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Channel } from '../../src/http2/channel.js';
import { Server, type ServerOptions } from '../../src/service/server.js';
import { transportKind } from '../../src/http2/server-options.js';
import { HpackDecoder } from '../../src/h2/hpack-decoder.js';
import { createClient } from '../../src/service/client.js';
import { Code } from '../../src/wire/grpc/code.js';
import { makeCerts } from '../helpers/certs.js';
import { Echo, echoImpl, encodeRequest, decodeReply, PATHS, type EchoReply, type EchoRequest } from './echo-service.js';
import { connectRaw, grpcFrame, parseFrames, rawCall } from './raw-client.js';
import {
  Flag,
  FrameType,
  grpcRequestFields,
  h2frame,
  headerBlock,
  PREFACE,
  RawH2,
  type ReceivedFrame,
} from './raw-h2.js';

const CALL_BOUND_MS = 1000;
const HEAP_BOUND_MB = 64;
const SHORT = 300; // ms: the option values under test
const CONTINUATION = 9;
const { NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM } = http2.constants;
const { NGHTTP2_PROTOCOL_ERROR, NGHTTP2_FLOW_CONTROL_ERROR } = http2.constants;
/**
 * The servers here run on wiregrpc's own HTTP/2 (WIREGRPC_TRANSPORT=wiregrpc): then the cases node:http2 decides
 * for us (pinned below) get the answer RFC 9113 and issue #13 ask for instead.
 */
const OWN_H2 = transportKind({}) === 'wiregrpc';

async function serve(t: Test, options: ServerOptions = {}): Promise<{ server: Server; port: number; url: string }> {
  const server = new Server(options);
  server.add(Echo, echoImpl());
  const address = await server.listen('127.0.0.1:0');
  t.teardown(() => server.forceShutdown());
  return { server, port: address.port, url: `http://127.0.0.1:${address.port}` };
}

/** A normal unary call on a fresh connection: it must succeed within CALL_BOUND_MS. Returns its latency. */
async function normalCall(t: Test, url: string, what = 'a normal call meanwhile'): Promise<number> {
  const session = connectRaw(url);
  const start = performance.now();
  try {
    const r = await rawCall(session, PATHS.unary, grpcFrame(encodeRequest({ text: 'normal' }))).done;
    const ms = performance.now() - start;
    t.equal(r.code, Code.OK, `${what}: OK`);
    t.equal(decodeReply(parseFrames(r.body)[0] ?? new Uint8Array()).text, 'normal');
    t.ok(ms < CALL_BOUND_MS, `${what}: ${ms.toFixed(1)} ms < ${CALL_BOUND_MS} ms`);
    return ms;
  } finally {
    session.destroy();
  }
}

function heapMb(): number {
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function rawConnect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', () => {});
    socket.once('error', reject);
  });
}

function closedWithin(socket: net.Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

// ─── 1. Handshake timeout ────────────────────────────────────────────────────

/** A raw HTTP/2 client on `port`, destroyed when the test ends. */
async function rawClient(t: Test, port: number): Promise<RawH2> {
  const raw = await RawH2.connect(port);
  t.teardown(() => raw.destroy());
  return raw;
}
t.test('handshake: silent TCP connections are closed after handshakeTimeoutMs; calls go on', async (t) => {
  const { port, url } = await serve(t, { handshakeTimeoutMs: SHORT });
  const heap = heapMb();
  const silent = await Promise.all(Array.from({ length: 50 }, () => rawConnect(port)));
  t.teardown(() => silent.forEach((s) => s.destroy()));
  await normalCall(t, url);
  const start = Date.now();
  const closed = await Promise.all(silent.map((s) => closedWithin(s, SHORT * 10)));
  t.ok(
    closed.every((c) => c),
    `all 50 closed by the server (after ${Date.now() - start} ms)`,
  );
  t.ok(heapMb() - heap < HEAP_BOUND_MB, `heap grew by < ${HEAP_BOUND_MB} MB`);
});

t.test('handshake: a preface without SETTINGS gets our SETTINGS at once, then is closed', async (t) => {
  const { port } = await serve(t, { handshakeTimeoutMs: SHORT });
  const raw = await rawClient(t, port);
  raw.write(PREFACE); // and never the SETTINGS frame that must follow it
  t.ok(await raw.until(() => raw.received(FrameType.SETTINGS).length > 0, SHORT), 'the server sent its SETTINGS first');
  t.ok(await raw.closedWithin(SHORT * 10), 'closed: the client never completed the preface');
});

t.test('handshake: a connection that completes the preface is not closed by the clock', async (t) => {
  const { port } = await serve(t, { handshakeTimeoutMs: SHORT });
  const raw = await rawClient(t, port);
  raw.handshake();
  t.notOk(await raw.closedWithin(SHORT * 2), 'still open after twice the handshake timeout');
});

t.test(
  'handshake: handshakeTimeoutMs 0 is no limit — a connection that sent only the preface stays open',
  async (t) => {
    const { port } = await serve(t, { handshakeTimeoutMs: 0 });
    const raw = await rawClient(t, port);
    raw.write(PREFACE); // no SETTINGS yet: the handshake is not complete
    t.ok(await raw.until(() => raw.received(FrameType.SETTINGS).length > 0, SHORT), 'our SETTINGS came');
    t.notOk(await raw.closedWithin(SHORT), 'still open');
    t.equal(raw.received(FrameType.GOAWAY).length, 0, 'no GOAWAY');
  },
);

t.test('handshake: a TLS connection that never sends its ClientHello is closed', async (t) => {
  const certs = makeCerts();
  const server = new Server({ handshakeTimeoutMs: SHORT });
  server.add(Echo, echoImpl());
  const address = await server.listen('127.0.0.1:0', { tls: { key: certs.serverKey, cert: certs.serverCert } });
  t.teardown(() => server.forceShutdown());
  const socket = await rawConnect(address.port);
  t.teardown(() => socket.destroy());
  t.ok(await closedWithin(socket, SHORT * 10), 'closed without a TLS handshake');
});

// ─── 2. HTTP/1.1 connections ─────────────────────────────────────────────────

t.test('HTTP/1.1: an unfinished request head gets 408 and the connection is closed', async (t) => {
  const { port, url } = await serve(t, { handshakeTimeoutMs: SHORT });
  const sockets = await Promise.all(Array.from({ length: 20 }, () => rawConnect(port)));
  t.teardown(() => sockets.forEach((s) => s.destroy()));
  const answers = sockets.map((s) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.write('POST /wiregrpc.test.Echo/Unary HTTP/1.1\r\nhost: x\r\ncontent-type: application/grpc-web'); // no end of head
    return chunks;
  });
  await normalCall(t, url);
  const closed = await Promise.all(sockets.map((s) => closedWithin(s, SHORT * 10)));
  t.ok(
    closed.every((c) => c),
    'all 20 closed',
  );
  t.ok(
    answers.every((c) => /^HTTP\/1\.1 408 /.test(Buffer.concat(c).toString('latin1'))),
    'each got 408 Request Timeout',
  );
});

t.test('HTTP/1.1: an idle keep-alive connection is closed after keepAliveTimeoutMs', async (t) => {
  const { port } = await serve(t, { http1: { keepAliveTimeoutMs: SHORT } });
  const socket = await rawConnect(port);
  t.teardown(() => socket.destroy());
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const body = grpcFrame(encodeRequest({ text: 'web' }));
  socket.write(
    `POST ${PATHS.unary} HTTP/1.1\r\nhost: x\r\ncontent-type: application/grpc-web+proto\r\ncontent-length: ${body.length}\r\n\r\n`,
  );
  socket.write(body);
  const start = Date.now();
  t.ok(await closedWithin(socket, SHORT * 10), 'closed once idle');
  t.ok(Date.now() - start >= SHORT * 0.8, `not before the keep-alive timeout (${Date.now() - start} ms)`);
  t.match(Buffer.concat(chunks).toString('latin1'), /^HTTP\/1\.1 200 /, 'the call itself was answered');
});

t.test('HTTP/1.1: a request body that never ends gets 408 after requestTimeoutMs', async (t) => {
  const { port } = await serve(t, { http1: { requestTimeoutMs: SHORT } });
  const socket = await rawConnect(port);
  t.teardown(() => socket.destroy());
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.write(
    `POST ${PATHS.unary} HTTP/1.1\r\nhost: x\r\ncontent-type: application/grpc-web+proto\r\ncontent-length: 100\r\n\r\nabc`,
  );
  t.ok(await closedWithin(socket, SHORT * 10), 'closed');
  t.match(Buffer.concat(chunks).toString('latin1'), /^HTTP\/1\.1 408 /, '408 Request Timeout');
});

t.test('HTTP/1.1: shutdown() ends with an unfinished head open (it is closed, not waited for)', async (t) => {
  const { server, port } = await serve(t); // default timeouts: only shutdown can close it
  const socket = await rawConnect(port);
  t.teardown(() => socket.destroy());
  socket.write('POST / HTTP/1.1\r\nhost: x\r\n');
  await sleep(50);
  const start = Date.now();
  await server.shutdown({ graceMs: 5000 });
  t.ok(Date.now() - start < 1000, `shutdown resolved in ${Date.now() - start} ms`);
  t.ok(await closedWithin(socket, 1000), 'the connection is closed');
});

// ─── 3. Shutdown that always ends ────────────────────────────────────────────

t.test('shutdown({ graceMs }): a call that never ends is cut after the grace; shutdown resolves', async (t) => {
  const { server, url } = await serve(t);
  const session = connectRaw(url);
  t.teardown(() => session.destroy());
  const hanging = rawCall(session, PATHS.unary, grpcFrame(encodeRequest({ text: 'hang' }))).done;
  await sleep(50);
  const start = Date.now();
  await server.shutdown({ graceMs: SHORT });
  const took = Date.now() - start;
  t.ok(took >= SHORT * 0.8 && took < SHORT + 1000, `resolved after the grace (${took} ms)`);
  const r = await hanging;
  t.not(r.code, Code.OK, 'the hanging call did not succeed');
});

t.test('shutdown: GOAWAY, the call in flight finishes, then it resolves before the grace', async (t) => {
  const { server, url } = await serve(t);
  const session = connectRaw(url);
  t.teardown(() => session.destroy());
  const slow = rawCall(session, PATHS.unary, grpcFrame(encodeRequest({ text: 'slow', delayMs: 100 }))).done;
  await sleep(20);
  const start = Date.now();
  await server.shutdown({ graceMs: 5000 });
  t.ok(Date.now() - start < 2000, 'resolved once the call was done');
  t.equal((await slow).code, Code.OK, 'the call in flight finished');
});

// ─── 4. Keepalive enforcement (gRFC A8) ──────────────────────────────────────

t.test('pings: a flood gets GOAWAY ENHANCE_YOUR_CALM "too_many_pings" after the strikes', async (t) => {
  const { port, url } = await serve(t, { keepalive: { minPingIntervalMs: 1000 } });
  const raw = await rawClient(t, port);
  raw.handshake();
  for (let i = 0; i < 100; i++) raw.write(h2frame(FrameType.PING, 0, 0, Buffer.alloc(8, i)));
  t.ok(await raw.closedWithin(2000), 'closed');
  const goaway = raw.received(FrameType.GOAWAY)[0];
  t.equal(goaway?.payload.readUInt32BE(4), NGHTTP2_ENHANCE_YOUR_CALM, 'GOAWAY ENHANCE_YOUR_CALM');
  t.equal(goaway?.payload.subarray(8).toString('latin1'), 'too_many_pings', 'debug data too_many_pings');
  const acks = raw.received(FrameType.PING).filter((f) => f.flags & Flag.ACK).length;
  t.ok(acks < 100, `not every ping was answered (${acks} acks)`);
  await normalCall(t, url);
});

t.test('pings: spaced by minPingIntervalMs while a call runs, pings are fine', async (t) => {
  const { port } = await serve(t, { keepalive: { minPingIntervalMs: 50 } });
  const raw = await rawClient(t, port);
  raw.handshake();
  raw.headers(1, grpcRequestFields(PATHS.unary));
  raw.data(1, grpcFrame(encodeRequest({ text: 'hang' })), true); // a call that runs throughout
  for (let i = 0; i < 6; i++) {
    raw.write(h2frame(FrameType.PING, 0, 0, Buffer.alloc(8, i)));
    await sleep(80);
  }
  t.equal(raw.received(FrameType.GOAWAY).length, 0, 'no GOAWAY');
  t.equal(raw.received(FrameType.PING).filter((f) => f.flags & Flag.ACK).length, 6, 'every ping answered');
});

t.test('pings: without calls (permitWithoutCalls false) repeated pings are strikes', async (t) => {
  const { port } = await serve(t, { keepalive: { minPingIntervalMs: 10 } });
  const raw = await rawClient(t, port);
  raw.handshake();
  for (let i = 0; i < 4; i++) {
    raw.write(h2frame(FrameType.PING, 0, 0, Buffer.alloc(8, i)));
    await sleep(30);
  }
  t.ok(await raw.closedWithin(1000), 'closed');
  t.equal(raw.goawayCode(), NGHTTP2_ENHANCE_YOUR_CALM);
});

t.test('pings, the pair: our client, pinging too often, is told off and doubles its keepalive time', async (t) => {
  const { url } = await serve(t, { keepalive: { minPingIntervalMs: 1000, permitWithoutCalls: true } });
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => {
    if (w.code === 'WIREGRPC_TOO_MANY_PINGS') warnings.push(w.message);
  };
  process.on('warning', onWarning);
  t.teardown(() => process.off('warning', onWarning));
  const channel = new Channel(url.replace('http://', ''), { keepalive: { timeMs: 20, permitWithoutCalls: true } });
  t.teardown(() => channel.close());
  const client = createClient(Echo, channel) as unknown as Record<
    string,
    (r: Partial<EchoRequest>) => Promise<EchoReply>
  >;
  t.equal((await client.unary!({ text: 'a' })).text, 'a');
  for (let i = 0; i < 100 && warnings.length === 0; i++) await sleep(20);
  t.equal(warnings.length >= 1, true, 'the client saw GOAWAY too_many_pings');
  t.match(warnings[0], /keepalive time now 40 ms/, 'and doubled its keepalive time');
  t.equal((await client.unary!({ text: 'b' })).text, 'b', 'calls go on, on a new connection');
});

t.test(
  'keepalive.timeMs: our PINGs; a client that never answers is closed after timeoutMs, one that does stays',
  async (t) => {
    const { port } = await serve(t, { keepalive: { timeMs: SHORT / 3, timeoutMs: SHORT } });
    const silent = await rawClient(t, port); // reads frames, answers nothing
    silent.handshake();
    const polite = await rawClient(t, port);
    polite.handshake();
    const answered = new Set<ReceivedFrame>();
    const answer = setInterval(() => {
      for (const f of polite.received(FrameType.PING))
        if (!(f.flags & Flag.ACK) && !answered.has(f)) {
          answered.add(f);
          polite.write(h2frame(FrameType.PING, Flag.ACK, 0, f.payload));
        }
    }, 5);
    t.teardown(() => clearInterval(answer));
    t.ok(await silent.until(() => silent.received(FrameType.PING).length > 0, SHORT * 3), 'the server pings');
    t.ok(await silent.closedWithin(SHORT * 5), 'the silent client is closed');
    t.notOk(polite.closed, 'the one that answers is not');
    t.ok(answered.size >= 2, `it was pinged again and again (${answered.size} pings answered)`);
  },
);

// ─── 5. Connection idleness and age (gRFC A9) ────────────────────────────────

t.test('maxConnectionIdleMs: a connection without calls gets GOAWAY(NO_ERROR) and is closed', async (t) => {
  const { port } = await serve(t, { maxConnectionIdleMs: SHORT });
  const raw = await rawClient(t, port);
  raw.handshake();
  const start = Date.now();
  t.ok(await raw.until(() => raw.received(FrameType.GOAWAY).length > 0, SHORT * 10), 'GOAWAY');
  t.equal(raw.goawayCode(), NGHTTP2_NO_ERROR, 'a graceful one (NO_ERROR)');
  t.ok(Date.now() - start >= SHORT * 0.8, `not before the idle time (${Date.now() - start} ms)`);
});

t.test('maxConnectionIdleMs: a connection with a call running is not idle', async (t) => {
  const { port } = await serve(t, { maxConnectionIdleMs: SHORT / 3 });
  const raw = await rawClient(t, port);
  raw.handshake();
  raw.headers(1, grpcRequestFields(PATHS.unary));
  raw.data(1, grpcFrame(encodeRequest({ text: 'slow', delayMs: SHORT })), true);
  t.ok(await raw.until(() => raw.received(FrameType.HEADERS, 1).length >= 2, SHORT * 10), 'the call finished');
  t.equal(raw.received(FrameType.GOAWAY).length, 0, 'no GOAWAY while it ran');
});

t.test(
  'maxConnectionIdleMs: once its calls have ended — trailers held back by flow control too — the connection goes idle',
  async (t) => {
    const { port } = await serve(t, { maxConnectionIdleMs: SHORT });
    const raw = await rawClient(t, port);
    raw.handshake(); // the default windows, 65,535 bytes: the 160 KiB below waits for our WINDOW_UPDATEs
    raw.headers(1, grpcRequestFields(PATHS.serverStream));
    raw.data(1, grpcFrame(encodeRequest({ text: 'big', count: 40, payload: new Uint8Array(4096) })), true);
    t.ok(await raw.until(() => raw.received(FrameType.DATA, 1).length > 0, 2000), 'the response began');
    const more = Buffer.alloc(4);
    more.writeUInt32BE(1 << 20);
    raw.write(h2frame(FrameType.WINDOW_UPDATE, 0, 0, more), h2frame(FrameType.WINDOW_UPDATE, 0, 1, more));
    t.ok(
      await raw.until(() => raw.received(FrameType.HEADERS, 1).length >= 2, 2000),
      'the trailers came, after the data',
    );
    t.ok(await raw.until(() => raw.received(FrameType.GOAWAY).length > 0, SHORT * 10), 'then, idle: GOAWAY');
    t.equal(raw.goawayCode(), NGHTTP2_NO_ERROR);
  },
);

t.test(
  'maxConnectionAgeMs + grace: GOAWAY at the age, the call in flight finishes, closed after the grace',
  async (t) => {
    const { port, url } = await serve(t, { maxConnectionAgeMs: SHORT, maxConnectionAgeGraceMs: SHORT });
    const raw = await rawClient(t, port);
    raw.handshake();
    raw.headers(1, grpcRequestFields(PATHS.unary));
    raw.data(1, grpcFrame(encodeRequest({ text: 'slow', delayMs: SHORT * 1.2 })), true);
    raw.headers(3, grpcRequestFields(PATHS.unary));
    raw.data(3, grpcFrame(encodeRequest({ text: 'hang' })), true);
    t.ok(await raw.until(() => raw.received(FrameType.GOAWAY).length > 0, SHORT * 3), 'GOAWAY at the age');
    t.equal(raw.goawayCode(), NGHTTP2_NO_ERROR);
    t.ok(await raw.closedWithin(SHORT * 10), 'closed after the grace, though a call still hung');
    const trailers = raw.received(FrameType.HEADERS, 1).length;
    t.equal(trailers, 2, 'the call that could finish within the grace did (headers and trailers)');
    await normalCall(t, url, 'a new connection');
  },
);

// ─── 6. Load shedding: the distributed rapid reset ───────────────────────────

/**
 * `connections` connections each opening `streams` streams — a request sent
 * whole — and resetting each one a moment later, in rounds of 50, the
 * connections interleaved: the server has started every call when its reset
 * comes (a reset in the same packet as its HEADERS never reaches JavaScript:
 * node:http2 drops it).
 */
async function rapidReset(port: number, connections: number, streams: number): Promise<RawH2[]> {
  const attackers = await Promise.all(Array.from({ length: connections }, () => RawH2.connect(port)));
  const block = headerBlock(grpcRequestFields(PATHS.unary));
  const body = grpcFrame(encodeRequest({ text: 'hang' }));
  const rst = Buffer.alloc(4);
  rst.writeUInt32BE(http2.constants.NGHTTP2_CANCEL);
  for (const a of attackers) a.handshake();
  for (let round = 0; round * 50 < streams; round++) {
    const ids = Array.from({ length: Math.min(50, streams - round * 50) }, (_, i) => 1 + 2 * (round * 50 + i));
    for (const a of attackers)
      a.write(
        ...ids.flatMap((id) => [
          h2frame(FrameType.HEADERS, Flag.END_HEADERS, id, block),
          h2frame(FrameType.DATA, Flag.END_STREAM, id, body),
        ]),
      );
    await sleep(20);
    for (const a of attackers) a.write(...ids.map((id) => h2frame(FrameType.RST_STREAM, 0, id, rst)));
  }
  return attackers;
}

t.test(
  'rapid reset over 10 connections: the worst get GOAWAY ENHANCE_YOUR_CALM, normal calls keep going',
  async (t) => {
    const { port, url } = await serve(t, { maxResetsPerSecond: 200 });
    const heap = heapMb();
    const attackers = await rapidReset(port, 10, 300);
    t.teardown(() => attackers.forEach((a) => a.destroy()));
    await normalCall(t, url, 'a normal call during the attack');
    const closed = await Promise.all(attackers.map((a) => a.closedWithin(3000)));
    const calmed = attackers.filter((a) => a.goawayCode() === NGHTTP2_ENHANCE_YOUR_CALM);
    t.comment(`GOAWAY codes: ${attackers.map((a) => a.goawayCode() ?? '-').join(' ')}`);
    // How many depends on how many resets reach JavaScript in time (the rest node:http2 drops unseen, at no cost).
    t.ok(calmed.length >= 1, `${calmed.length} of 10 attacking connections got GOAWAY ENHANCE_YOUR_CALM`);
    t.ok(
      calmed.every((a) => a.closed),
      'each of them was closed',
    );
    t.ok(heapMb() - heap < HEAP_BOUND_MB, `heap grew by < ${HEAP_BOUND_MB} MB`);
    await normalCall(t, url, 'a normal call after it');
  },
);

if (OWN_H2)
  t.test('rapid reset in one packet (own HTTP/2): resets that come with their HEADERS count too', async (t) => {
    // node:http2 drops such a stream before JavaScript sees it; wiregrpc's own HTTP/2 hands every stream over.
    const { port, url } = await serve(t, { maxResetsPerSecond: 200 });
    const raw = await rawClient(t, port);
    raw.handshake();
    const block = headerBlock(grpcRequestFields(PATHS.unary));
    const body = grpcFrame(encodeRequest({ text: 'hang' }));
    const rst = Buffer.alloc(4);
    rst.writeUInt32BE(http2.constants.NGHTTP2_CANCEL);
    const heap = heapMb();
    for (let round = 0; round < 6 && !raw.closed; round++) {
      const ids = Array.from({ length: 50 }, (_, i) => 1 + 2 * (round * 50 + i));
      raw.write(
        ...ids.flatMap((id) => [
          h2frame(FrameType.HEADERS, Flag.END_HEADERS, id, block),
          h2frame(FrameType.DATA, Flag.END_STREAM, id, body),
          h2frame(FrameType.RST_STREAM, 0, id, rst),
        ]),
      );
      await sleep(5);
    }
    t.ok(await raw.closedWithin(3000), 'the connection is closed');
    t.equal(raw.goawayCode(), NGHTTP2_ENHANCE_YOUR_CALM, 'GOAWAY ENHANCE_YOUR_CALM');
    t.ok(heapMb() - heap < HEAP_BOUND_MB, `heap grew by < ${HEAP_BOUND_MB} MB`);
    await normalCall(t, url, 'a normal call after it');
  });

t.test('rapid reset under the budget: nobody is sent away', async (t) => {
  const { port } = await serve(t, { maxResetsPerSecond: 10_000 });
  const attackers = await rapidReset(port, 2, 50);
  t.teardown(() => attackers.forEach((a) => a.destroy()));
  await sleep(200);
  t.same(
    attackers.map((a) => a.goawayCode()),
    [undefined, undefined],
    'no GOAWAY: cancellations within the budget are normal',
  );
});

t.test('maxConcurrentCalls: past it new streams get REFUSED_STREAM; once calls end, they run again', async (t) => {
  const { url } = await serve(t, { maxConcurrentCalls: 2 });
  const session = connectRaw(url);
  t.teardown(() => session.destroy());
  const hanging = [0, 1].map(
    () => rawCall(session, PATHS.unary, grpcFrame(encodeRequest({ text: 'slow', delayMs: SHORT }))).done,
  );
  await sleep(50);
  const refused = await rawCall(session, PATHS.unary, grpcFrame(encodeRequest({ text: 'x' }))).done;
  t.equal(refused.rstCode, NGHTTP2_REFUSED_STREAM, 'RST_STREAM(REFUSED_STREAM): safe to retry');
  t.same(
    (await Promise.all(hanging)).map((r) => r.code),
    [Code.OK, Code.OK],
  );
  await normalCall(t, url, 'a call once they ended');
});

// ─── 7. Oversized metadata, WINDOW_UPDATE ────────────────────────────────────

/**
 * How a request over maxMetadataSize is refused, on its stream alone. node:http2: RST_STREAM(ENHANCE_YOUR_CALM)
 * (the client reports RESOURCE_EXHAUSTED). wiregrpc's own HTTP/2: a Trailers-Only RESOURCE_EXHAUSTED saying which
 * limit — the client's mistake, in words.
 */
function refusedOnItsStream(t: Test, raw: RawH2, id: number, limit: number): void {
  if (!OWN_H2) {
    t.equal(
      raw.rstCode(id),
      NGHTTP2_ENHANCE_YOUR_CALM,
      'the oversized one: RST_STREAM(ENHANCE_YOUR_CALM) on its stream',
    );
    return;
  }
  const blocks = responseBlocks(raw, id);
  t.equal(blocks.length, 1, 'the oversized one: one header block (Trailers-Only)');
  const list = blocks[0] ?? [];
  const field = (name: string): string | undefined => list[list.indexOf(name) + 1];
  t.equal(field(':status'), '200');
  t.equal(field('grpc-status'), String(Code.RESOURCE_EXHAUSTED), 'grpc-status RESOURCE_EXHAUSTED');
  t.match(decodeURIComponent(field('grpc-message') ?? ''), `limit of ${limit} bytes`, 'the message names the limit');
  t.equal(raw.rstCode(id), undefined, 'no RST_STREAM: the client had sent END_STREAM');
}

/** The header blocks the server sent on `id` (HPACK-decoded in order, as the connection's decoder would). */
function responseBlocks(raw: RawH2, id: number): string[][] {
  const decoder = new HpackDecoder();
  const out: string[][] = [];
  for (const f of raw.received(FrameType.HEADERS)) {
    const list = decoder.decode(f.payload, f.streamId);
    if (f.streamId === id) out.push(list);
  }
  return out;
}

/** A request whose header block is `block`, in frames of at most 16 KiB (HEADERS, then CONTINUATION). */
function sendBlock(raw: RawH2, id: number, block: Buffer): void {
  const frames: Buffer[] = [];
  for (let at = 0; at < block.length; at += 16384) {
    const last = at + 16384 >= block.length;
    const type = at === 0 ? FrameType.HEADERS : CONTINUATION;
    frames.push(
      h2frame(
        type,
        (last ? Flag.END_HEADERS : 0) | (at === 0 ? Flag.END_STREAM : 0),
        id,
        block.subarray(at, at + 16384),
      ),
    );
  }
  raw.write(...frames);
}

t.test('metadata over maxMetadataSize: refused on that stream alone, the others on the connection go on', async (t) => {
  const { port } = await serve(t, { maxMetadataSize: 8192 });
  const raw = await rawClient(t, port);
  raw.handshake();
  await raw.until(() => raw.received(FrameType.SETTINGS).length > 0, 1000);
  sendBlock(raw, 1, headerBlock(grpcRequestFields(PATHS.unary, [['x-big', 'a'.repeat(30_000)]])));
  raw.headers(3, grpcRequestFields(PATHS.unary));
  raw.data(3, grpcFrame(encodeRequest({ text: 'next' })), true);
  t.ok(
    await raw.until(() => raw.received(FrameType.HEADERS, 3).length >= 2, 2000),
    'the next call on the connection is answered',
  );
  refusedOnItsStream(t, raw, 1, 8192);
  t.equal(raw.received(FrameType.GOAWAY).length, 0, 'no GOAWAY: the connection lives');
});

if (!OWN_H2)
  t.test(
    'metadata over ~144 KiB in 16 KiB frames: node:http2 ends the connection (nghttp2 CONTINUATION cap) — pinned',
    async (t) => {
      // nghttp2 (since 1.61, CVE-2024-28182) refuses more than 8 CONTINUATION frames per header block as a
      // connection error, before any header reaches JavaScript; node:http2 then destroys the session with
      // its default code (INTERNAL_ERROR: Http2Session.destroy(err) without a code). No option reaches it
      // from JavaScript in Node 20, so this test pins what happens: only that connection goes.
      const { port, url } = await serve(t);
      const raw = await rawClient(t, port);
      raw.handshake();
      await raw.until(() => raw.received(FrameType.SETTINGS).length > 0, 1000);
      sendBlock(
        raw,
        1,
        headerBlock(
          grpcRequestFields(
            PATHS.unary,
            [...Array(64)].map((_, i) => [`x-m${i}`, 'a'.repeat(16000)]),
          ),
        ),
      );
      t.ok(await raw.closedWithin(2000), 'the connection is closed');
      t.not(raw.goawayCode(), undefined, `GOAWAY (code ${raw.goawayCode()})`);
      await normalCall(t, url, 'calls on other connections');
    },
  );
else
  t.test(
    "1 MiB of metadata in 16 KiB frames (own HTTP/2): refused on its stream alone; the connection's next call is answered",
    async (t) => {
      const { port, url } = await serve(t);
      const raw = await rawClient(t, port);
      raw.handshake();
      await raw.until(() => raw.received(FrameType.SETTINGS).length > 0, 1000);
      const heap = heapMb();
      sendBlock(
        raw,
        1,
        headerBlock(
          grpcRequestFields(
            PATHS.unary,
            [...Array(64)].map((_, i) => [`x-m${i}`, 'a'.repeat(16000)]),
          ),
        ),
      );
      raw.headers(3, grpcRequestFields(PATHS.unary));
      raw.data(3, grpcFrame(encodeRequest({ text: 'next' })), true);
      t.ok(
        await raw.until(() => raw.received(FrameType.HEADERS, 3).length >= 2, 2000),
        'the next call on the same connection is answered',
      );
      refusedOnItsStream(t, raw, 1, 16384);
      t.equal(raw.received(FrameType.GOAWAY).length, 0, 'no GOAWAY: the connection lives');
      t.ok(heapMb() - heap < HEAP_BOUND_MB, `heap grew by < ${HEAP_BOUND_MB} MB`);
      await normalCall(t, url, 'calls on other connections');
    },
  );

if (!OWN_H2)
  t.test('WINDOW_UPDATE zero / overflow: node:http2 closes that connection only (code pinned)', async (t) => {
    // nghttp2 finds the right error (PROTOCOL_ERROR, FLOW_CONTROL_ERROR; a stream-level zero increment is
    // a stream error by RFC 9113 §6.9), but node:http2 turns it into a session 'error' and destroys the
    // session with INTERNAL_ERROR before our code sees anything: no listener can change the GOAWAY code.
    const { port, url } = await serve(t);
    for (const [sid, inc, twice] of [
      [0, 0, false],
      [1, 0, false],
      [0, 0x7fffffff, true],
    ] as const) {
      const raw = await RawH2.connect(port);
      raw.handshake();
      raw.headers(1, grpcRequestFields(PATHS.unary));
      const p = Buffer.alloc(4);
      p.writeUInt32BE(inc);
      raw.write(h2frame(FrameType.WINDOW_UPDATE, 0, sid, p));
      if (twice) raw.write(h2frame(FrameType.WINDOW_UPDATE, 0, sid, p));
      t.ok(await raw.closedWithin(2000), `stream ${sid}, increment ${inc}${twice ? ' twice' : ''}: connection closed`);
      t.equal(raw.goawayCode(), http2.constants.NGHTTP2_INTERNAL_ERROR, 'GOAWAY INTERNAL_ERROR (node:http2, not ours)');
      raw.destroy();
    }
    await normalCall(t, url, 'calls on other connections');
  });
else
  t.test('WINDOW_UPDATE zero / overflow (own HTTP/2): the codes of RFC 9113 §6.9, at the right scope', async (t) => {
    const { port, url } = await serve(t);
    const cases = [
      { sid: 0, inc: 0, twice: false, scope: 'connection', code: NGHTTP2_PROTOCOL_ERROR },
      { sid: 1, inc: 0, twice: false, scope: 'stream', code: NGHTTP2_PROTOCOL_ERROR },
      { sid: 0, inc: 0x7fffffff, twice: true, scope: 'connection', code: NGHTTP2_FLOW_CONTROL_ERROR },
      { sid: 1, inc: 0x7fffffff, twice: true, scope: 'stream', code: NGHTTP2_FLOW_CONTROL_ERROR },
    ] as const;
    for (const { sid, inc, twice, scope, code } of cases) {
      const what = `stream ${sid}, increment ${inc}${twice ? ' twice' : ''}`;
      const raw = await RawH2.connect(port);
      raw.handshake();
      raw.headers(1, grpcRequestFields(PATHS.unary)); // a call that stays open: the stream exists
      const p = Buffer.alloc(4);
      p.writeUInt32BE(inc);
      raw.write(h2frame(FrameType.WINDOW_UPDATE, 0, sid, p));
      if (twice) raw.write(h2frame(FrameType.WINDOW_UPDATE, 0, sid, p));
      if (scope === 'connection') {
        t.ok(await raw.closedWithin(2000), `${what}: connection closed`);
        t.equal(
          raw.goawayCode(),
          code,
          `${what}: GOAWAY ${code === NGHTTP2_PROTOCOL_ERROR ? 'PROTOCOL_ERROR' : 'FLOW_CONTROL_ERROR'}`,
        );
      } else {
        t.ok(await raw.until(() => raw.rstCode(1) !== undefined, 2000), `${what}: the stream is reset`);
        t.equal(
          raw.rstCode(1),
          code,
          `${what}: RST_STREAM(${code === NGHTTP2_PROTOCOL_ERROR ? 'PROTOCOL_ERROR' : 'FLOW_CONTROL_ERROR'})`,
        );
        raw.headers(3, grpcRequestFields(PATHS.unary));
        raw.data(3, grpcFrame(encodeRequest({ text: 'next' })), true);
        t.ok(
          await raw.until(() => raw.received(FrameType.HEADERS, 3).length >= 2, 2000),
          `${what}: the connection goes on (the next call is answered)`,
        );
        t.equal(raw.received(FrameType.GOAWAY).length, 0, `${what}: no GOAWAY`);
      }
      raw.destroy();
    }
    await normalCall(t, url, 'calls on other connections');
  });
