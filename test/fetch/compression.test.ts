/**
 * Compression in the fetch handler (src/fetch/compression.ts: the web's CompressionStream / DecompressionStream):
 * gzip and deflate requests read, bounded inflation (a bomb ends as RESOURCE_EXHAUSTED), corrupt data INTERNAL,
 * compressed responses for clients that accept them — and the bytes are the ones node:zlib reads and writes.
 */
import { gunzipSync, gzipSync, deflateSync, inflateSync } from 'node:zlib';
import t from 'tap';
import { compress, decompress } from '../../src/fetch/compression.js';
import { createFetchHandler } from '../../src/fetch/handler.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { Echo } from '../runtimes/browser/echo-service.js';
import { echoImplementation } from '../runtimes/browser/echo-server.js';
import { answer, echoFrame, URL_BASE, WEB } from './helpers.js';

const requestBytes = (text: string) =>
  Echo.methods.Unary!.input.encode({ text, count: 0, code: 0, delayMs: 0, blob: new Uint8Array() });
/** A frame with the compressed flag around `payload`. */
function compressedFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(5 + payload.length);
  frame[0] = 1;
  new DataView(frame.buffer).setUint32(1, payload.length);
  frame.set(payload, 5);
  return frame;
}

function post(grpc: ReturnType<typeof createFetchHandler>, body: Uint8Array, headers: Record<string, string>) {
  return grpc.fetch(
    new Request(`${URL_BASE}/wiregrpc.web.Echo/Unary`, {
      method: 'POST',
      headers: { 'content-type': WEB, ...headers },
      body,
    }),
  );
}

t.test('the streams write what node:zlib reads, and read what it writes', async (t) => {
  const text = new TextEncoder().encode('gRPC '.repeat(500));
  t.same(gunzipSync(await compress('gzip', text)), Buffer.from(text), 'gzip');
  t.same(inflateSync(await compress('deflate', text)), Buffer.from(text), 'deflate is the zlib format');
  t.same(await decompress('gzip', gzipSync(text), 1 << 20), Buffer.from(text));
  t.same(await decompress('deflate', deflateSync(text), 1 << 20), Buffer.from(text));
});

t.test('inflation stops at the limit: RESOURCE_EXHAUSTED, however large the output would be', async (t) => {
  const bomb = gzipSync(new Uint8Array(16 << 20)); // 16 MiB of zeros, ~16 KiB compressed
  const error = await decompress('gzip', bomb, 1 << 20).catch((e: unknown) => e);
  t.type(error, GrpcError);
  t.equal((error as GrpcError).code, Code.RESOURCE_EXHAUSTED);
  t.equal((error as GrpcError).rawMessage, 'decompressed message larger than the limit of 1048576 bytes');
  const corrupt = await decompress('gzip', new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]), 1024).catch((e) => e);
  t.equal((corrupt as GrpcError).code, Code.INTERNAL);
  t.match((corrupt as GrpcError).rawMessage, /^could not decompress a gzip message: /);
  const unknown = await decompress('br', new Uint8Array([1]), 1024).catch((e) => e);
  t.equal((unknown as GrpcError).code, Code.UNIMPLEMENTED);
});

t.test('requests in gzip and deflate; a bomb in a request; the flag without the header', async (t) => {
  const grpc = createFetchHandler({ maxReceiveMessageLength: 64 * 1024 }).add(Echo, {
    unary(request, ctx) {
      return { text: `${request.text.length} ${ctx.requestCompressed}` };
    },
  });
  const text = 'z'.repeat(10_000);
  for (const [encoding, deflater] of [
    ['gzip', gzipSync],
    ['deflate', deflateSync],
  ] as const) {
    const a = await answer(
      await post(grpc, compressedFrame(deflater(requestBytes(text))), { 'grpc-encoding': encoding }),
    );
    t.equal(a.code, 0, encoding);
    t.equal(Echo.methods.Unary!.output.decode(a.messages[0]!).text, '10000 true', `${encoding}: inflated, and said so`);
  }
  const plain = await answer(await post(grpc, echoFrame({ text: 'x' }), { 'grpc-encoding': 'gzip' }));
  t.equal(plain.code, 0, 'an uncompressed frame under grpc-encoding: gzip is fine (the flag is per message)');
  const bomb = await answer(
    await post(grpc, compressedFrame(gzipSync(new Uint8Array(16 << 20))), { 'grpc-encoding': 'gzip' }),
  );
  t.equal(bomb.code, Code.RESOURCE_EXHAUSTED);
  t.equal(bomb.message, 'decompressed message larger than the limit of 65536 bytes');
});

t.test('responses compressed for a client that accepts it (option or ctx.setCompression), else not', async (t) => {
  const big = 'compress me '.repeat(200);
  const grpc = createFetchHandler({ compression: 'gzip' }).add(Echo, {
    unary() {
      return { text: big };
    },
    async *stream(_request, ctx) {
      t.equal(ctx.setCompression('deflate'), true, 'deflate, accepted by the client');
      yield { text: big };
      yield { text: big };
    },
  });
  const accepting = { 'grpc-accept-encoding': 'gzip,deflate' };
  const response = await post(grpc, echoFrame({}), accepting);
  t.equal(response.headers.get('grpc-encoding'), 'gzip');
  const raw = new Uint8Array(await response.clone().arrayBuffer());
  t.equal(raw[0], 1, 'the message frame has the compressed flag');
  const a = await answer(response);
  t.equal(Echo.methods.Unary!.output.decode(gunzipSync(a.messages[0]!)).text, big);

  const refusing = await post(grpc, echoFrame({}), {});
  t.equal(refusing.headers.get('grpc-encoding'), null, 'a client that accepts nothing gets identity');
  t.equal(Echo.methods.Unary!.output.decode((await answer(refusing)).messages[0]!).text, big);

  const streamed = await grpc.fetch(
    new Request(`${URL_BASE}/wiregrpc.web.Echo/Stream`, {
      method: 'POST',
      headers: { 'content-type': WEB, ...accepting },
      body: echoFrame({}),
    }),
  );
  t.equal(streamed.headers.get('grpc-encoding'), 'deflate');
  const s = await answer(streamed);
  t.same(
    s.messages.map((m) => Echo.methods.Unary!.output.decode(inflateSync(m)).text.length),
    [big.length, big.length],
    'in order, each inflating alone',
  );
  t.equal(s.code, 0);
});
