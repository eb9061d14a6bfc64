// Our server against hostile clients, frame by frame over raw TCP (issue #13's
// table, RFC 9113's error codes): no preface, a preface and silence, ping floods
// (gRFC A8), rapid reset (CVE-2023-44487), an oversized header list, WINDOW_UPDATE
// overflow and zero increments, DATA beyond the window, CONTINUATION floods.
// Every case is bounded in count and time; every socket is closed at the end.
import t, { type Test } from 'tap';
import { ErrorCode } from '../../src/h2/errors.js';
import { HpackDecoder } from '../../src/h2/hpack-decoder.js';
import { Flag, FrameType, grpcRequestFields, h2frame, headerBlock, PREFACE, RawH2 } from '../hostile/raw-h2.js';
import type { ConnectionOptions } from '../../src/h2/connection.js';
import { listen, type OurServer } from './node-servers.js';

const CONTINUATION = 0x9;

async function attack(t: Test, options: Partial<ConnectionOptions> = {}): Promise<{ raw: RawH2; server: OurServer }> {
  const server = await listen(options);
  t.teardown(() => server.close());
  const raw = await RawH2.connect(server.port);
  t.teardown(() => raw.destroy());
  return { raw, server };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function goawayDebug(raw: RawH2): string {
  return raw.received(FrameType.GOAWAY)[0]?.payload.subarray(8).toString('latin1') ?? '';
}

/** The :status of the response HEADERS on `streamId` (decoding every HEADERS frame received, in order). */
function statusOf(raw: RawH2, streamId: number): string | undefined {
  const decoder = new HpackDecoder();
  let status: string | undefined;
  for (const f of raw.frames) {
    if (f.type !== FrameType.HEADERS) continue;
    const headers = decoder.decode(f.payload, f.streamId);
    if (f.streamId === streamId && headers[0] === ':status') status ??= headers[1];
  }
  return status;
}

const request = grpcRequestFields('/test.Echo/Echo');

t.test('handshake timeout: a connection that never sends the preface is closed, silently', async (t) => {
  const { raw } = await attack(t, { handshakeTimeoutMs: 300 });
  t.ok(await raw.closedWithin(2000), 'closed within the timeout (300 ms) and a margin');
  t.same(
    raw.frames.map((f) => f.type),
    [FrameType.SETTINGS, FrameType.WINDOW_UPDATE],
    'only our SETTINGS (sent at once, §3.4) and the connection window came',
  );
});

t.test('handshake timeout: a preface and then silence gets GOAWAY and the close', async (t) => {
  const { raw } = await attack(t, { handshakeTimeoutMs: 300 });
  raw.write(PREFACE);
  t.ok(await raw.closedWithin(2000));
  t.equal(raw.goawayCode(), ErrorCode.PROTOCOL_ERROR);
  t.match(goawayDebug(raw), /handshake timeout/);
});

t.test('a completed handshake is not timed out', async (t) => {
  const { raw } = await attack(t, { handshakeTimeoutMs: 200 });
  raw.handshake();
  t.notOk(await raw.closedWithin(500), 'still open after twice the timeout');
});

t.test(
  'SETTINGS never acknowledged: GOAWAY SETTINGS_TIMEOUT (§6.5.3); acknowledged ones are not timed out',
  async (t) => {
    const { raw } = await attack(t, { settingsTimeoutMs: 300, handshakeTimeoutMs: 0 });
    raw.handshake(false); // its preface and SETTINGS, and no ACK of ours
    t.ok(await raw.closedWithin(2000));
    t.equal(raw.goawayCode(), ErrorCode.SETTINGS_TIMEOUT);
    t.match(goawayDebug(raw), /SETTINGS were not acknowledged within 300 ms/);
    const polite = await attack(t, { settingsTimeoutMs: 200 });
    polite.raw.handshake(true);
    t.notOk(await polite.raw.closedWithin(500), 'an ACK stops the clock: still open after twice the timeout');
  },
);

t.test('an HTTP/1.1 request where the preface belongs: GOAWAY PROTOCOL_ERROR', async (t) => {
  const { raw } = await attack(t);
  raw.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  t.ok(await raw.closedWithin(2000));
  t.equal(raw.goawayCode(), ErrorCode.PROTOCOL_ERROR);
  t.match(goawayDebug(raw), /HTTP\/1/);
});

const pingPolicy = { ping: { minIntervalMs: 60_000, permitWithoutCalls: false, maxStrikes: 2 } };

t.test('ping flood (gRFC A8): after maxStrikes, GOAWAY ENHANCE_YOUR_CALM too_many_pings', async (t) => {
  const { raw } = await attack(t, pingPolicy);
  raw.handshake();
  for (let i = 0; i < 100; i++) raw.write(h2frame(FrameType.PING, 0, 0, Buffer.alloc(8, i)));
  t.ok(await raw.closedWithin(2000), 'the connection is closed');
  t.equal(raw.goawayCode(), ErrorCode.ENHANCE_YOUR_CALM);
  t.equal(goawayDebug(raw), 'too_many_pings');
  const acks = raw.received(FrameType.PING).filter((f) => (f.flags & Flag.ACK) !== 0).length;
  t.equal(acks, 4, 'the first ping and two strikes are answered, the third strike ends it (grpc-go does the same)');
});

t.test('pings after we sent DATA are not strikes (gRFC A8)', async (t) => {
  const { raw } = await attack(t, {
    ...pingPolicy,
    onStream(stream) {
      stream.respond([':status', '200'], false);
      stream.onData = (chunk) => stream.write(chunk.slice());
    },
  });
  raw.handshake();
  raw.headers(1, request);
  for (let i = 1; i <= 10; i++) {
    raw.data(1, Buffer.alloc(5, i));
    t.ok(await raw.until(() => raw.received(FrameType.DATA, 1).length >= i, 2000), `DATA ${i} echoed`);
    raw.write(h2frame(FrameType.PING, 0, 0, Buffer.alloc(8, i)));
  }
  t.ok(await raw.until(() => raw.received(FrameType.PING).length >= 10, 2000), 'every ping answered');
  t.equal(raw.goawayCode(), undefined, 'no GOAWAY');
  t.notOk(raw.closed);
});

t.test('without a policy, pings are answered (the policy is opt-in)', async (t) => {
  const { raw } = await attack(t);
  raw.handshake();
  for (let i = 0; i < 50; i++) raw.write(h2frame(FrameType.PING, 0, 0, Buffer.alloc(8, i)));
  t.ok(await raw.until(() => raw.received(FrameType.PING).length === 50, 2000));
  t.equal(raw.goawayCode(), undefined);
});

t.test('rapid reset beyond the budget: GOAWAY ENHANCE_YOUR_CALM too_many_resets', async (t) => {
  let opened = 0;
  const { raw } = await attack(t, {
    maxResetsPerSecond: 100,
    onStream() {
      opened++;
    },
  });
  raw.handshake();
  const frames: Buffer[] = [];
  for (let id = 1; id < 2 * 500; id += 2) {
    frames.push(h2frame(FrameType.HEADERS, Flag.END_HEADERS, id, headerBlock(request)));
    frames.push(h2frame(FrameType.RST_STREAM, 0, id, u32(ErrorCode.CANCEL)));
  }
  raw.write(...frames);
  t.ok(await raw.closedWithin(2000));
  t.equal(raw.goawayCode(), ErrorCode.ENHANCE_YOUR_CALM);
  t.equal(goawayDebug(raw), 'too_many_resets');
  t.equal(opened, 101, 'the server stopped at the 101st early reset');
});

t.test('rapid reset under the budget costs nothing that lasts; the connection still serves', async (t) => {
  const server = await listen({ maxResetsPerSecond: 1000, onStream() {} });
  t.teardown(() => server.close());
  const raw = await RawH2.connect(server.port);
  t.teardown(() => raw.destroy());
  raw.handshake();
  const frames: Buffer[] = [];
  for (let id = 1; id < 2 * 900; id += 2) {
    frames.push(h2frame(FrameType.HEADERS, Flag.END_HEADERS, id, headerBlock(request)));
    frames.push(h2frame(FrameType.RST_STREAM, 0, id, u32(ErrorCode.CANCEL)));
  }
  raw.write(...frames);
  await raw.until(() => raw.received(FrameType.SETTINGS).length >= 2, 2000);
  await new Promise((r) => setTimeout(r, 100));
  const [conn] = [...server.connections];
  t.equal(conn?.openStreams, 0, 'no stream of the 900 is held');
  t.equal(raw.goawayCode(), undefined);
});

t.test('an oversized header list is refused on its stream; another stream on the connection completes', async (t) => {
  const { raw } = await attack(t, {
    maxHeaderListSize: 16_384,
    onStreamError(stream, error) {
      t.equal(error.code, ErrorCode.ENHANCE_YOUR_CALM);
      stream.respond([':status', '431'], true);
    },
    onStream(stream) {
      stream.respond([':status', '200'], true);
    },
  });
  raw.handshake();
  // 100 KB of metadata in HEADERS + CONTINUATION frames of 16 KiB.
  const block = headerBlock([...request, ['x-big', 'v'.repeat(100_000)]]);
  const frames: Buffer[] = [];
  for (let at = 0; at < block.length; at += 16_384) {
    const last = at + 16_384 >= block.length;
    const piece = block.subarray(at, at + 16_384);
    frames.push(h2frame(at === 0 ? FrameType.HEADERS : CONTINUATION, last ? Flag.END_HEADERS : 0, 1, piece));
  }
  raw.write(...frames);
  raw.headers(3, request, true);
  t.ok(await raw.until(() => statusOf(raw, 3) !== undefined, 2000), 'stream 3 answered');
  t.equal(statusOf(raw, 1), '431', 'stream 1 refused with its own answer');
  t.equal(statusOf(raw, 3), '200', 'stream 3 on the same connection completes');
  t.equal(raw.goawayCode(), undefined, 'the connection lives');
});

t.test('an oversized header list without onStreamError: RST_STREAM on that stream only', async (t) => {
  const { raw } = await attack(t, {
    maxHeaderListSize: 1000,
    onStream(stream) {
      stream.respond([':status', '200'], true);
    },
  });
  raw.handshake();
  raw.headers(1, [...request, ['x-big', 'v'.repeat(5000)]], true);
  raw.headers(3, request, true);
  t.ok(await raw.until(() => statusOf(raw, 3) !== undefined, 2000));
  t.equal(raw.rstCode(1), ErrorCode.ENHANCE_YOUR_CALM);
  t.equal(raw.goawayCode(), undefined);
});

/** A server whose streams answer nothing: frames on them are judged by flow control alone. */
const silent = { onStream() {} };

t.test('WINDOW_UPDATE overflow on a stream: RST_STREAM FLOW_CONTROL_ERROR (§6.9.1)', async (t) => {
  const { raw } = await attack(t, silent);
  raw.handshake();
  raw.headers(1, request);
  raw.write(h2frame(FrameType.WINDOW_UPDATE, 0, 1, u32(0x7fffffff)));
  t.ok(await raw.until(() => raw.rstCode(1) !== undefined, 2000));
  t.equal(raw.rstCode(1), ErrorCode.FLOW_CONTROL_ERROR);
  t.equal(raw.goawayCode(), undefined, 'a stream error only');
});

t.test('WINDOW_UPDATE overflow on the connection: GOAWAY FLOW_CONTROL_ERROR (§6.9.1)', async (t) => {
  const { raw } = await attack(t, silent);
  raw.handshake();
  raw.write(h2frame(FrameType.WINDOW_UPDATE, 0, 0, u32(0x7fffffff)));
  t.ok(await raw.closedWithin(2000));
  t.equal(raw.goawayCode(), ErrorCode.FLOW_CONTROL_ERROR);
});

t.test('WINDOW_UPDATE of 0 on a stream: RST_STREAM PROTOCOL_ERROR; on the connection: GOAWAY (§6.9)', async (t) => {
  const { raw } = await attack(t, silent);
  raw.handshake();
  raw.headers(1, request);
  raw.write(h2frame(FrameType.WINDOW_UPDATE, 0, 1, u32(0)));
  t.ok(await raw.until(() => raw.rstCode(1) !== undefined, 2000));
  t.equal(raw.rstCode(1), ErrorCode.PROTOCOL_ERROR);
  t.equal(raw.goawayCode(), undefined);
  raw.write(h2frame(FrameType.WINDOW_UPDATE, 0, 0, u32(0)));
  t.ok(await raw.closedWithin(2000));
  t.equal(raw.goawayCode(), ErrorCode.PROTOCOL_ERROR);
});

t.test('DATA beyond the connection window: GOAWAY FLOW_CONTROL_ERROR (§6.9.1)', async (t) => {
  // The connection window is 65,535 and its credit goes back as each frame is read, so only one frame
  // larger than the window can exceed it: allowed by our SETTINGS_MAX_FRAME_SIZE of 100,000.
  const { raw } = await attack(t, {
    ...silent,
    connectionWindow: 65_535,
    settings: { initialWindowSize: 100_000, maxFrameSize: 100_000 },
  });
  raw.handshake(); // acknowledges our SETTINGS
  raw.headers(1, request);
  raw.data(1, Buffer.alloc(70_000));
  t.ok(await raw.closedWithin(2000));
  t.equal(raw.goawayCode(), ErrorCode.FLOW_CONTROL_ERROR);
});

t.test('DATA beyond a stream window smaller than the connection window: RST_STREAM only', async (t) => {
  const { raw } = await attack(t, { ...silent, settings: { initialWindowSize: 1000 } });
  raw.handshake();
  await raw.until(() => raw.received(FrameType.SETTINGS).length >= 2, 2000);
  raw.headers(1, request);
  raw.data(1, Buffer.alloc(1001));
  t.ok(await raw.until(() => raw.rstCode(1) !== undefined, 2000));
  t.equal(raw.rstCode(1), ErrorCode.FLOW_CONTROL_ERROR);
  t.equal(raw.goawayCode(), undefined);
});

t.test('CONTINUATION flood: cut at the field block limit, GOAWAY ENHANCE_YOUR_CALM', async (t) => {
  const { raw } = await attack(t, silent);
  raw.handshake();
  raw.write(h2frame(FrameType.HEADERS, 0, 1, headerBlock(request)));
  const piece = Buffer.alloc(16_384, 0x41);
  let sent = 0;
  while (!raw.closed && raw.goawayCode() === undefined && sent < 1000) {
    raw.write(h2frame(CONTINUATION, 0, 1, piece));
    sent++;
    if (sent % 20 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  t.ok(await raw.closedWithin(2000));
  t.equal(raw.goawayCode(), ErrorCode.ENHANCE_YOUR_CALM);
  t.ok(sent < 1000, `cut after ${sent} of at most 1000 frames (the limit: 1 MiB of field block, 64 frames)`);
});

t.test('DATA on a stream after its END_STREAM: STREAM_CLOSED (§5.1)', async (t) => {
  const { raw } = await attack(t, silent);
  raw.handshake();
  raw.headers(1, request, true);
  raw.data(1, Buffer.alloc(10));
  t.ok(await raw.until(() => raw.rstCode(1) !== undefined, 2000));
  t.equal(raw.rstCode(1), ErrorCode.STREAM_CLOSED);
});

t.test('a client opening an even-numbered stream: GOAWAY PROTOCOL_ERROR (§5.1.1)', async (t) => {
  const { raw } = await attack(t, silent);
  raw.handshake();
  raw.headers(2, request, true);
  t.ok(await raw.closedWithin(2000));
  t.equal(raw.goawayCode(), ErrorCode.PROTOCOL_ERROR);
});

t.test('stream ids must increase (§5.1.1): HEADERS on a lower new id is a connection error', async (t) => {
  const { raw } = await attack(t, silent);
  raw.handshake();
  raw.headers(5, request, true);
  raw.headers(3, request, true);
  t.ok(await raw.closedWithin(2000));
  t.equal(raw.goawayCode(), ErrorCode.PROTOCOL_ERROR);
});

t.test('a control-frame flood from a peer that does not read is cut (ENHANCE_YOUR_CALM)', async (t) => {
  const { raw, server } = await attack(t);
  raw.handshake();
  raw.socket.pause(); // read nothing: our PING ACKs pile up
  const ping = h2frame(FrameType.PING, 0, 0, Buffer.alloc(8));
  const burst = Buffer.concat(Array.from({ length: 1000 }, () => ping));
  // Until the kernel's buffers both ways are full and the server's own queue passes its limit (bounded: 40 MB).
  let bursts = 0;
  while (bursts < 2500 && server.errors.length === 0) {
    raw.write(burst);
    if (++bursts % 10 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  raw.socket.resume();
  t.equal(server.errors[0]?.code, ErrorCode.ENHANCE_YOUR_CALM, `the server gave up after ${bursts} bursts`);
  t.ok(await raw.closedWithin(10_000), `then closed the connection`);
  t.equal(raw.goawayCode(), ErrorCode.ENHANCE_YOUR_CALM);
});

t.test(
  'content-length against the DATA that follows (§8.1.1): a mismatch is malformed, on its stream only',
  async (t) => {
    const { raw } = await attack(t);
    raw.handshake();
    const withLength = (...values: string[]): [string, string][] => [
      ...request,
      ...values.map((v): [string, string] => ['content-length', v]),
    ];
    raw.headers(1, withLength('10'));
    raw.data(1, Buffer.alloc(4));
    raw.data(1, Buffer.alloc(4), true); // 8 of 10 at END_STREAM
    raw.headers(3, withLength('3'));
    raw.data(3, Buffer.alloc(5)); // past 3 before any END_STREAM
    raw.headers(5, withLength('1e3'));
    raw.headers(7, withLength('5'), true); // no DATA at all
    raw.headers(9, withLength('5', '6'));
    raw.headers(11, withLength('5', '5'));
    raw.data(11, Buffer.alloc(2));
    raw.data(11, Buffer.alloc(3), true); // 5 = 5, the repeated field agreeing
    t.ok(await raw.until(() => [1, 3, 5, 7, 9].every((id) => raw.rstCode(id) !== undefined), 2000));
    for (const id of [1, 3, 5, 7, 9]) t.equal(raw.rstCode(id), ErrorCode.PROTOCOL_ERROR, `stream ${id}: RST_STREAM`);
    t.ok(await raw.until(() => statusOf(raw, 11) !== undefined, 2000));
    t.equal(statusOf(raw, 11), '200', 'a request whose DATA matches its content-length is served');
    t.equal(raw.rstCode(11), undefined);
    t.equal(raw.goawayCode(), undefined, 'the connection lives');
  },
);

t.test('empty DATA flood (CVE-2019-9518): a run of frames that carry nothing is cut, ENHANCE_YOUR_CALM', async (t) => {
  const { raw } = await attack(t, silent);
  raw.handshake();
  raw.headers(1, request);
  raw.data(1, Buffer.alloc(3)); // a frame with something in it resets the count
  const padOnly = h2frame(FrameType.DATA, 0x8, 1, Buffer.from([4, 0, 0, 0, 0])); // PADDED: 4 bytes of padding, no data
  let sent = 0;
  while (!raw.closed && raw.goawayCode() === undefined && sent < 2000) {
    raw.write(sent % 2 === 0 ? h2frame(FrameType.DATA, 0, 1, Buffer.alloc(0)) : padOnly);
    sent++;
    if (sent % 50 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  t.ok(await raw.closedWithin(2000));
  t.equal(raw.goawayCode(), ErrorCode.ENHANCE_YOUR_CALM);
  t.equal(goawayDebug(raw), 'too_many_empty_frames');
  t.ok(sent < 2000, `cut after ${sent} of at most 2000 frames (the limit: 256 in a row)`);
});

t.test('empty DATA frames now and then, between ones with data, are fine', async (t) => {
  const { raw } = await attack(t, silent);
  raw.handshake();
  raw.headers(1, request);
  for (let i = 0; i < 10; i++) {
    for (let k = 0; k < 200; k++) raw.data(1, Buffer.alloc(0));
    raw.data(1, Buffer.alloc(1));
  }
  t.notOk(await raw.closedWithin(300), '10 runs of 200 empty frames, each ended by one with data');
  t.equal(raw.goawayCode(), undefined);
});
