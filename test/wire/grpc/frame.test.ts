// The gRPC message frame, as grpc/grpc doc/PROTOCOL-HTTP2.md defines it:
//
//   Length-Prefixed-Message → Compressed-Flag Message-Length Message
//   Compressed-Flag         → 0 / 1            ; one byte
//   Message-Length          → {length of Message} ; 32-bit unsigned, big-endian
//   Message                 → *{binary octet}
import t from 'tap';
import {
  encodeFrame,
  FLAG_COMPRESSED,
  FLAG_TRAILERS,
  FRAME_HEADER_LENGTH,
  MAX_FRAME_LENGTH,
  readFrameLength,
  writeFrameHeader,
} from '../../../src/wire/grpc/frame.js';

t.test('a frame is one flag byte, a four-byte big-endian length, then the message', async (t) => {
  const frame = encodeFrame(new Uint8Array([0x0a, 0x03, 0x66, 0x6f, 0x6f]));
  t.same([...frame], [0x00, 0x00, 0x00, 0x00, 0x05, 0x0a, 0x03, 0x66, 0x6f, 0x6f]);
  t.equal(FRAME_HEADER_LENGTH, 5);
});

t.test('the flag byte is 1 when the message is compressed', async (t) => {
  const frame = encodeFrame(new Uint8Array([7]), true);
  t.same([...frame], [FLAG_COMPRESSED, 0, 0, 0, 1, 7]);
  t.equal(FLAG_COMPRESSED, 1);
});

t.test('gRPC-Web marks a trailer frame with the top bit of the flag byte', async (t) => {
  t.equal(FLAG_TRAILERS, 0x80);
});

t.test('an empty message is a frame of exactly five bytes', async (t) => {
  t.same([...encodeFrame(new Uint8Array(0))], [0, 0, 0, 0, 0]);
});

t.test('the length is big-endian: the most significant byte comes first', async (t) => {
  const frame = encodeFrame(new Uint8Array(0x01_02_03));
  t.same([...frame.subarray(0, 5)], [0, 0x00, 0x01, 0x02, 0x03]);
  t.equal(frame.length, 5 + 0x01_02_03);
  t.equal(readFrameLength(frame, 0), 0x01_02_03);
});

t.test('encodeFrame copies the payload into a new buffer', async (t) => {
  const payload = new Uint8Array([1, 2, 3]);
  const frame = encodeFrame(payload);
  payload[0] = 99;
  t.equal(frame[5], 1, 'later changes to the payload do not show in the frame');
});

t.test('writeFrameHeader frames messages into a buffer the caller owns (one allocation per batch)', async (t) => {
  const a = new Uint8Array([1, 2]);
  const b = new Uint8Array([3]);
  const batch = new Uint8Array(5 + a.length + 5 + b.length);
  writeFrameHeader(batch, 0, a.length, false);
  batch.set(a, 5);
  writeFrameHeader(batch, 7, b.length, true);
  batch.set(b, 12);
  t.same([...batch], [0, 0, 0, 0, 2, 1, 2, 1, 0, 0, 0, 1, 3]);
});

t.test('the length field is unsigned: up to 2^32 - 1', async (t) => {
  const header = new Uint8Array(5);
  writeFrameHeader(header, 0, MAX_FRAME_LENGTH, false);
  t.same([...header], [0, 0xff, 0xff, 0xff, 0xff]);
  t.equal(readFrameLength(header, 0), 4294967295, 'never read as a negative number');
  writeFrameHeader(header, 0, 0x8000_0000, false);
  t.equal(readFrameLength(header, 0), 0x8000_0000);
});

t.test('readFrameLength reads the prefix at any offset', async (t) => {
  const bytes = new Uint8Array([9, 9, 0, 0, 0, 1, 0x2c]);
  t.equal(readFrameLength(bytes, 2), 0x12c);
});
