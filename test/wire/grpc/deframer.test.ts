// The Deframer turns the bytes of an HTTP/2 stream, split into DATA chunks in
// whatever way the network chose, back into gRPC message frames.
import t from 'tap';
import { Code } from '../../../src/wire/grpc/code.js';
import { Deframer, type Frame } from '../../../src/wire/grpc/deframer.js';
import { GrpcError } from '../../../src/wire/grpc/error.js';
import { encodeFrame, FLAG_COMPRESSED, FLAG_TRAILERS } from '../../../src/wire/grpc/frame.js';

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const simple = (frames: Frame[]) =>
  frames.map((f) => ({ flags: f.flags, compressed: f.compressed, data: [...f.data] }));

const a = new Uint8Array([1, 2, 3]);
const b = new Uint8Array(0);
const c = new Uint8Array(300).map((_, i) => i & 0xff);
const stream = concat(encodeFrame(a), encodeFrame(b, true), encodeFrame(c));
const expected = [
  { flags: 0, compressed: false, data: [...a] },
  { flags: 1, compressed: true, data: [] },
  { flags: 0, compressed: false, data: [...c] },
];

t.test('one chunk holding several frames yields them all, in order', async (t) => {
  const d = new Deframer();
  t.same(simple(d.push(stream)), expected);
  t.equal(d.pending, 0);
  d.end();
});

t.test('frames inside one chunk are views of it, not copies', async (t) => {
  const frames = new Deframer().push(stream);
  for (const f of frames) t.equal(f.data.buffer, stream.buffer, 'same memory');
  t.equal(frames[0]!.data.byteOffset, 5);
  t.equal(frames[2]!.data.byteOffset, 5 + 3 + 5 + 5);
});

t.test('one byte at a time yields the same frames', async (t) => {
  const d = new Deframer();
  const frames: Frame[] = [];
  for (let i = 0; i < stream.length; i++) frames.push(...d.push(stream.subarray(i, i + 1)));
  t.same(simple(frames), expected);
  d.end();
});

t.test('every split point gives the same frames', async (t) => {
  for (let cut = 0; cut <= stream.length; cut++) {
    const d = new Deframer();
    const frames = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
    t.same(simple(frames), expected, `cut at ${cut}`);
    d.end();
  }
});

t.test('a frame spanning chunks is assembled in one buffer of its exact size', async (t) => {
  const d = new Deframer();
  const framed = encodeFrame(c);
  t.same(d.push(framed.subarray(0, 100)), []);
  t.equal(d.pending, 100, 'prefix and 95 payload bytes received');
  t.same(d.push(framed.subarray(100, 200)), []);
  const [frame] = d.push(framed.subarray(200));
  t.equal(frame!.data.buffer.byteLength, 300, 'allocated at exactly the payload size');
  t.equal(frame!.data.byteOffset, 0);
  t.same([...frame!.data], [...c]);
});

t.test('a prefix split across chunks still works, and is counted in pending', async (t) => {
  const d = new Deframer();
  const framed = encodeFrame(a);
  t.same(d.push(framed.subarray(0, 2)), []);
  t.equal(d.pending, 2);
  t.same(d.push(framed.subarray(2, 4)), []);
  t.equal(d.pending, 4);
  const frames = d.push(framed.subarray(4));
  t.same(simple(frames), [expected[0]]);
  t.equal(d.pending, 0);
});

t.test('an empty chunk changes nothing', async (t) => {
  const d = new Deframer();
  t.same(d.push(new Uint8Array(0)), []);
  d.push(stream.subarray(0, 3));
  t.same(d.push(new Uint8Array(0)), []);
  t.equal(d.pending, 3);
});

t.test('a message larger than the limit is refused as soon as its prefix is read', async (t) => {
  const d = new Deframer({ maxMessageLength: 10 });
  const prefix = encodeFrame(new Uint8Array(11)).subarray(0, 5);
  t.throws(() => d.push(prefix), {
    name: 'GrpcError',
    code: Code.RESOURCE_EXHAUSTED,
    rawMessage: 'Received message larger than max (11 vs. 10)',
  });
});

t.test('the limit applies to a prefix split across chunks too, without buffering the payload', async (t) => {
  const d = new Deframer();
  const prefix = new Uint8Array([0, 0xff, 0xff, 0xff, 0xff]); // announces 4 GiB - 1
  t.same(d.push(prefix.subarray(0, 3)), []);
  const err = t.throws(() => d.push(prefix.subarray(3))) as GrpcError;
  t.ok(err instanceof GrpcError);
  t.equal(err.code, Code.RESOURCE_EXHAUSTED);
  t.equal(err.rawMessage, `Received message larger than max (4294967295 vs. ${4 * 1024 * 1024})`);
});

t.test('the limit is refused even when the frames before it in the chunk are fine', async (t) => {
  const d = new Deframer({ maxMessageLength: 3 });
  t.throws(() => d.push(concat(encodeFrame(a), encodeFrame(new Uint8Array(4)))), { code: Code.RESOURCE_EXHAUSTED });
});

t.test('a message of exactly the limit is accepted', async (t) => {
  const d = new Deframer({ maxMessageLength: 3 });
  t.same(simple(d.push(encodeFrame(a))), [expected[0]]);
  const z = new Deframer({ maxMessageLength: 0 });
  t.equal(z.push(encodeFrame(b)).length, 1, 'a limit of 0 still admits empty messages');
});

t.test('the default limit is 4 MiB', async (t) => {
  const d = new Deframer();
  const at = new Uint8Array([0, 0, 0x40, 0, 0]); // 4194304
  t.same(d.push(at), [], 'exactly 4 MiB: accepted, now waiting for the payload');
  const over = new Uint8Array([0, 0, 0x40, 0, 1]);
  t.throws(() => new Deframer().push(over), { code: Code.RESOURCE_EXHAUSTED });
});

t.test('after an error the deframer stays failed', async (t) => {
  const d = new Deframer({ maxMessageLength: 1 });
  t.throws(() => d.push(encodeFrame(a)), { code: Code.RESOURCE_EXHAUSTED });
  t.throws(() => d.push(encodeFrame(new Uint8Array(1))), { code: Code.RESOURCE_EXHAUSTED });
  t.throws(() => d.end(), { code: Code.RESOURCE_EXHAUSTED });
});

t.test('end() is quiet after whole frames, and INTERNAL inside one', async (t) => {
  const whole = new Deframer();
  whole.push(stream);
  t.doesNotThrow(() => whole.end());

  const inPayload = new Deframer();
  inPayload.push(stream.subarray(0, stream.length - 1));
  t.throws(() => inPayload.end(), { code: Code.INTERNAL, rawMessage: /299 of 300 payload bytes/ });

  const inPrefix = new Deframer();
  inPrefix.push(encodeFrame(a).subarray(0, 4));
  t.throws(() => inPrefix.end(), { code: Code.INTERNAL, rawMessage: /4 of the 5 prefix bytes/ });

  const prefixOnly = new Deframer();
  prefixOnly.push(encodeFrame(a).subarray(0, 5));
  t.throws(() => prefixOnly.end(), { code: Code.INTERNAL }, 'a prefix without its payload');
});

t.test('flag bits other than compressed (and gRPC-Web trailers) are a protocol error', async (t) => {
  const frame = encodeFrame(a);
  frame[0] = 0x02;
  t.throws(() => new Deframer().push(frame), { code: Code.INTERNAL, rawMessage: /flags 0x02/ });

  const trailers = encodeFrame(a);
  trailers[0] = FLAG_TRAILERS;
  t.equal(new Deframer().push(trailers)[0]!.flags, FLAG_TRAILERS, 'gRPC-Web trailer frames pass by default');
  t.throws(
    () => new Deframer({ allowedFlags: FLAG_COMPRESSED }).push(trailers),
    { code: Code.INTERNAL },
    'plain gRPC can refuse them',
  );
});
