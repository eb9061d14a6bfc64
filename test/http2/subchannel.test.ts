/**
 * A subchannel's connection seen from the client: what a GOAWAY means for the
 * calls in flight and for the keepalive pings (RFC 9113 §6.8, gRFC A8).
 */
import http2 from 'node:http2';
import t from 'tap';
import { Channel } from '../../src/http2/channel.js';
import { Code } from '../../src/wire/code.js';
import { fakeServer, type FakeServer, transportCall } from '../helpers/client-fake-server.js';

const PATH = '/wiregrpc.test.Echo/Unary';
const { constants } = http2;

async function setup(t: any, handler: Parameters<typeof fakeServer>[0], options = {}): Promise<{ server: FakeServer; channel: Channel }> {
  const server = await fakeServer(handler);
  const channel = new Channel(server.target, options);
  t.teardown(async () => {
    await channel.close();
    await server.close();
  });
  return { server, channel };
}

t.test('GOAWAY(NO_ERROR) is not a lost connection: a stream it lets finish keeps its own RST_STREAM code', async (t) => {
  // RFC 9113 §6.8: streams up to the last-stream-id of a graceful GOAWAY go on
  // normally; if the server then resets one, that reset is the call's outcome.
  const { channel } = await setup(t, (stream) => {
    stream.session!.goaway(constants.NGHTTP2_NO_ERROR, stream.id);
    setTimeout(() => stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM), 50);
  });
  const out = await transportCall(channel, PATH, [Buffer.from('x')]).done;
  t.equal(out.error?.code, Code.RESOURCE_EXHAUSTED, `ENHANCE_YOUR_CALM → RESOURCE_EXHAUSTED (got: ${out.error?.message})`);
  t.match(out.error?.message, 'ENHANCE_YOUR_CALM');
});

t.test('GOAWAY with an error code is still a lost connection: UNAVAILABLE naming it', async (t) => {
  const { channel } = await setup(t, (stream) => {
    stream.session!.goaway(constants.NGHTTP2_INTERNAL_ERROR);
  });
  const out = await transportCall(channel, PATH, [Buffer.from('x')]).done;
  t.equal(out.error?.code, Code.UNAVAILABLE, String(out.error?.message));
  t.match(out.error?.message, 'GOAWAY (INTERNAL_ERROR)');
});

t.test('GOAWAY(NO_ERROR), then the socket drops with the stream still open: UNAVAILABLE, a lost connection', async (t) => {
  const sockets: import('node:net').Socket[] = [];
  const { server, channel } = await setup(t, (stream) => {
    stream.session!.goaway(constants.NGHTTP2_NO_ERROR, stream.id);
    setTimeout(() => sockets.at(-1)?.destroy(), 50);
  });
  server.server.on('connection', (socket) => sockets.push(socket));
  const out = await transportCall(channel, PATH, [Buffer.from('x')]).done;
  t.equal(out.error?.code, Code.UNAVAILABLE, String(out.error?.message));
  t.match(out.error?.message, 'lost: connection closed');
});
