/**
 * A subchannel's connection seen from the client: what a GOAWAY means for the
 * calls in flight and for the keepalive pings (RFC 9113 §6.8, gRFC A8).
 */
import http2 from 'node:http2';
import t from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { Code } from '../../src/wire/grpc/code.js';
import { fakeChannel, respond, transportCall } from '../helpers/client-fake-server.js';

const PATH = '/wiregrpc.test.Echo/Unary';
const { constants } = http2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test(
  'GOAWAY(NO_ERROR) is not a lost connection: a stream it lets finish keeps its own RST_STREAM code',
  async (t) => {
    // RFC 9113 §6.8: streams up to the last-stream-id of a graceful GOAWAY go on
    // normally; if the server then resets one, that reset is the call's outcome.
    const { channel } = await fakeChannel(t, (stream) => {
      stream.session!.goaway(constants.NGHTTP2_NO_ERROR, stream.id);
      setTimeout(() => stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM), 50);
    });
    const out = await transportCall(channel, PATH, [Buffer.from('x')]).done;
    t.equal(
      out.error?.code,
      Code.RESOURCE_EXHAUSTED,
      `ENHANCE_YOUR_CALM → RESOURCE_EXHAUSTED (got: ${out.error?.message})`,
    );
    t.match(out.error?.message, 'ENHANCE_YOUR_CALM');
  },
);

t.test('GOAWAY with an error code is still a lost connection: UNAVAILABLE naming it', async (t) => {
  const { channel } = await fakeChannel(t, (stream) => {
    stream.session!.goaway(constants.NGHTTP2_INTERNAL_ERROR);
  });
  const out = await transportCall(channel, PATH, [Buffer.from('x')]).done;
  t.equal(out.error?.code, Code.UNAVAILABLE, String(out.error?.message));
  t.match(out.error?.message, 'GOAWAY (INTERNAL_ERROR)');
});

t.test(
  'GOAWAY(NO_ERROR), then the socket drops with the stream still open: UNAVAILABLE, a lost connection',
  async (t) => {
    const sockets: import('node:net').Socket[] = [];
    const { server, channel } = await fakeChannel(t, (stream) => {
      stream.session!.goaway(constants.NGHTTP2_NO_ERROR, stream.id);
      setTimeout(() => sockets.at(-1)?.destroy(), 50);
    });
    server.server.on('connection', (socket) => sockets.push(socket));
    const out = await transportCall(channel, PATH, [Buffer.from('x')]).done;
    t.equal(out.error?.code, Code.UNAVAILABLE, String(out.error?.message));
    t.match(out.error?.message, 'lost: connection closed');
  },
);

t.test(
  'GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings"): the channel doubles its keepalive time for new connections (gRFC A8)',
  async (t) => {
    const keepalive = { timeMs: 100, permitWithoutCalls: true };
    const { server, channel } = await fakeChannel(t, (stream) => respond(stream, [], { 'grpc-status': '0' }), {
      keepalive,
    });
    // Per server session: when each PING arrived, ms after the session began.
    const pings: number[][] = [];
    server.server.on('session', (session) => {
      const start = Date.now();
      const times: number[] = [];
      const first = pings.length === 0;
      pings.push(times);
      session.on('ping', () => {
        times.push(Date.now() - start);
        if (first && times.length === 2)
          session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM, 0, Buffer.from('too_many_pings'));
      });
    });
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) =>
      void (w.code === 'WIREGRPC_TOO_MANY_PINGS' && warnings.push(w.message));
    process.on('warning', onWarning);
    t.teardown(() => void process.off('warning', onWarning));

    t.equal((await transportCall(channel, PATH, []).done).error, undefined);
    for (let i = 0; i < 100 && channel.getState() !== 'idle'; i++) await sleep(20);
    t.equal(channel.getState(), 'idle', 'the GOAWAY closed the first connection');
    t.equal(pings[0]!.length, 2);

    t.equal((await transportCall(channel, PATH, []).done).error, undefined, 'a new connection');
    for (let i = 0; i < 100 && (pings[1]?.length ?? 0) < 2; i++) await sleep(20);
    const second = pings[1]!;
    t.equal(second.length, 2);
    // Timers never fire early: at 100 ms these would be ~100 and ~200.
    t.ok(second[0]! >= 190, `first ping of the new connection after ${second[0]} ms (keepalive 200)`);
    t.ok(second[1]! - second[0]! >= 190, `then every ${second[1]! - second[0]!} ms`);
    t.equal(warnings.length, 1, 'said once, where it is seen by default');
    t.match(warnings[0], 'keepalive time now 200 ms');
    t.equal(keepalive.timeMs, 100, "the caller's options object is left alone");
  },
);
