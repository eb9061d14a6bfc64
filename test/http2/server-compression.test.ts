// Message compression (src/http2/compression.ts), shared by server and client:
// gzip and deflate (the zlib format) both ways, and inflation that stops at the
// receive limit however small the compressed input.
import t from 'tap';
import zlib from 'node:zlib';
import {
  acceptsEncoding,
  compress,
  decompress,
  isSupportedEncoding,
  parseEncodingList,
  SUPPORTED_ENCODINGS,
} from '../../src/http2/compression.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const text = (n: number) => new TextEncoder().encode('gRPC compresses each message on its own. '.repeat(n));

t.test('round trips, small (same thread) and large (threadpool)', async (t) => {
  for (const name of SUPPORTED_ENCODINGS) {
    for (const size of [0, 1, 100, 5000]) {
      const input = text(size);
      const packed = await compress(name, input);
      t.equal(hex(await decompress(name, packed, input.length)), hex(input), `${name}, ${input.length} bytes`);
    }
  }
  t.same([...(await compress('identity', new Uint8Array([1, 2])))], [1, 2], 'identity is the bytes as they are');
});

t.test('deflate is the zlib format (RFC 1950), as every gRPC implementation has it', async (t) => {
  const packed = await compress('deflate', text(3));
  t.equal(hex(zlib.inflateSync(packed)), hex(text(3)));
  t.equal(hex(await decompress('deflate', zlib.deflateSync(Buffer.from(text(3))), 1 << 20)), hex(text(3)));
  t.equal(hex(await decompress('gzip', zlib.gzipSync(Buffer.from(text(3))), 1 << 20)), hex(text(3)));
});

t.test('the limit: exactly at it passes; one byte over is RESOURCE_EXHAUSTED', async (t) => {
  for (const name of SUPPORTED_ENCODINGS) {
    const input = new Uint8Array(1000).fill(1);
    const packed = await compress(name, input);
    t.equal((await decompress(name, packed, 1000)).length, 1000);
    await t.rejects(decompress(name, packed, 999), { code: Code.RESOURCE_EXHAUSTED });
  }
});

t.test('a bomb: 64 MiB of zeros in ~64 KB stops at the limit, in both code paths', async (t) => {
  const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
  t.ok(bomb.length > 32 * 1024, 'big enough to take the threadpool path');
  const before = process.memoryUsage().arrayBuffers;
  const err = await decompress('gzip', bomb, 1024 * 1024).catch((e) => e);
  t.ok(err instanceof GrpcError && err.code === Code.RESOURCE_EXHAUSTED);
  t.ok(process.memoryUsage().arrayBuffers - before < 32 * 1024 * 1024, 'never inflated anywhere near 64 MiB');
  const small = zlib.deflateSync(Buffer.alloc(8 * 1024 * 1024));
  t.ok(small.length <= 32 * 1024, 'small enough for the same-thread path');
  await t.rejects(decompress('deflate', small, 1024), { code: Code.RESOURCE_EXHAUSTED });
});

t.test('corrupt data is INTERNAL; an unknown encoding is UNIMPLEMENTED', async (t) => {
  await t.rejects(decompress('gzip', new Uint8Array([1, 2, 3, 4]), 100), { code: Code.INTERNAL });
  await t.rejects(decompress('deflate', new Uint8Array([1, 2, 3, 4]), 100), { code: Code.INTERNAL });
  const truncated = zlib.gzipSync(Buffer.from(text(10))).subarray(0, 20);
  await t.rejects(decompress('gzip', truncated, 1 << 20), { code: Code.INTERNAL });
  await t.rejects(decompress('br', new Uint8Array(1), 100), { code: Code.UNIMPLEMENTED });
  await t.rejects(compress('br', new Uint8Array(1)), GrpcError);
});

t.test('negotiation helpers', async (t) => {
  t.same(parseEncodingList(' gzip,Deflate ,, identity'), ['gzip', 'deflate', 'identity']);
  t.same(parseEncodingList(['gzip', 'br']), ['gzip', 'br']);
  t.same(parseEncodingList(undefined), []);
  t.ok(acceptsEncoding('identity,gzip', 'gzip'));
  t.notOk(acceptsEncoding('identity,deflate', 'gzip'));
  t.notOk(acceptsEncoding(undefined, 'gzip'), 'a client that says nothing gets identity');
  t.ok(acceptsEncoding(undefined, 'identity'));
  t.ok(isSupportedEncoding('identity') && isSupportedEncoding('gzip') && isSupportedEncoding('deflate'));
  t.notOk(isSupportedEncoding('snappy'));
});
