// HTTP/2 frames (RFC 9113 §4.1, §6): every type written and parsed back, and each
// malformed case the RFC names giving its error code and scope.
import t from 'tap';
import { ErrorCode, H2Error, type ErrorScope } from '../../src/h2/errors.js';
import { Flag, FRAME_HEADER_LENGTH, FrameType, readFrameHeader, type Frame } from '../../src/h2/frame.js';
import { parseFrame } from '../../src/h2/frame-parse.js';
import {
  encodeData,
  encodeFieldBlock,
  encodeFrame,
  encodeGoaway,
  encodeHeaders,
  encodePing,
  encodePushPromise,
  encodeSettings,
  encodeWindowUpdate,
} from '../../src/h2/frame-write.js';
import { SettingId } from '../../src/h2/settings.js';

const bytes = (...b: number[]) => Uint8Array.from(b);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Parses one whole frame from its bytes. */
function parse(frame: Uint8Array): Frame | undefined {
  const header = readFrameHeader(frame, 0);
  if (header.length !== frame.length - FRAME_HEADER_LENGTH) throw new Error('test bug: length');
  return parseFrame(header, frame.subarray(FRAME_HEADER_LENGTH));
}

/** A raw frame: header fields and payload as given, whatever they say. */
function raw(type: number, flags: number, streamId: number, payload: number[] | Uint8Array): Uint8Array {
  const p = Uint8Array.from(payload);
  const out = new Uint8Array(9 + p.length);
  out.set([p.length >>> 16, (p.length >>> 8) & 0xff, p.length & 0xff, type, flags], 0);
  new DataView(out.buffer).setUint32(5, streamId >>> 0);
  out.set(p, 9);
  return out;
}

function errorOf(fn: () => unknown): H2Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof H2Error) return err;
    throw err;
  }
  throw new Error('no error thrown');
}

t.test('the 9-byte header: length, type, flags, stream id; the reserved bit is ignored', async (t) => {
  const h = readFrameHeader(bytes(0x01, 0x02, 0x03, 0x08, 0x25, 0x80, 0x00, 0x00, 0x07), 0);
  t.same(h, { length: 0x010203, type: 8, flags: 0x25, streamId: 7 });
  t.equal(hex(encodeWindowUpdate(3, 0x1234)), '000004' + '08' + '00' + '00000003' + '00001234');
});

t.test('every frame type written and parsed back', async (t) => {
  const frames: Frame[] = [
    { type: FrameType.DATA, streamId: 1, endStream: true, data: bytes(1, 2, 3), flowControlled: 3 },
    { type: FrameType.DATA, streamId: 3, endStream: false, data: bytes(), flowControlled: 0 },
    {
      type: FrameType.HEADERS,
      streamId: 5,
      endStream: false,
      endHeaders: true,
      priority: undefined,
      fragment: bytes(0x82, 0x86),
    },
    {
      type: FrameType.HEADERS,
      streamId: 7,
      endStream: true,
      endHeaders: false,
      priority: { exclusive: true, dependency: 3, weight: 256 },
      fragment: bytes(0x88),
    },
    { type: FrameType.PRIORITY, streamId: 9, priority: { exclusive: false, dependency: 0, weight: 1 } },
    { type: FrameType.RST_STREAM, streamId: 11, errorCode: ErrorCode.CANCEL },
    {
      type: FrameType.SETTINGS,
      ack: false,
      settings: [
        { id: SettingId.HEADER_TABLE_SIZE, value: 0 },
        { id: SettingId.ENABLE_PUSH, value: 0 },
        { id: SettingId.INITIAL_WINDOW_SIZE, value: 0x7fffffff },
        { id: SettingId.MAX_FRAME_SIZE, value: 16_777_215 },
        { id: 0xf00d, value: 0xffffffff }, // unknown: kept for the caller, ignored by applySettings
      ],
    },
    { type: FrameType.SETTINGS, ack: true, settings: [] },
    { type: FrameType.PUSH_PROMISE, streamId: 1, promisedStreamId: 2, endHeaders: true, fragment: bytes(0x82) },
    { type: FrameType.PING, ack: true, data: bytes(1, 2, 3, 4, 5, 6, 7, 8) },
    { type: FrameType.GOAWAY, lastStreamId: 0x7fffffff, errorCode: 0xdeadbeef, debugData: bytes(0x68, 0x69) },
    { type: FrameType.WINDOW_UPDATE, streamId: 0, increment: 0x7fffffff },
    { type: FrameType.CONTINUATION, streamId: 13, endHeaders: true, fragment: bytes(0xbe) },
  ];
  for (const f of frames) t.same(parse(encodeFrame(f)), f, `${f.type} round-trips`);
});

t.test('padding: written as zeros after the content, stripped on parse; flow control counts it all', async (t) => {
  const data = encodeData(1, bytes(0xaa, 0xbb), { padLength: 3, endStream: true });
  t.equal(hex(data), '000006' + '00' + '09' + '00000001' + '03' + 'aabb' + '000000');
  t.same(parse(data), {
    type: FrameType.DATA,
    streamId: 1,
    endStream: true,
    data: bytes(0xaa, 0xbb),
    flowControlled: 6,
  });
  const headers = encodeHeaders(3, bytes(0x82), {
    padLength: 2,
    priority: { exclusive: false, dependency: 1, weight: 16 },
  });
  t.equal(hex(headers), '000009' + '01' + '2c' + '00000003' + '02' + '00000001' + '0f' + '82' + '0000');
  t.same(parse(headers), {
    type: FrameType.HEADERS,
    streamId: 3,
    endStream: false,
    endHeaders: true,
    priority: { exclusive: false, dependency: 1, weight: 16 },
    fragment: bytes(0x82),
  });
  const push = encodePushPromise(3, 4, bytes(0x82), { padLength: 1 });
  t.same(parse(push), {
    type: FrameType.PUSH_PROMISE,
    streamId: 3,
    promisedStreamId: 4,
    endHeaders: true,
    fragment: bytes(0x82),
  });
  // Padding may take every byte left: an empty DATA payload.
  t.same(parse(raw(FrameType.DATA, Flag.PADDED, 1, [2, 0, 0])), {
    type: FrameType.DATA,
    streamId: 1,
    endStream: false,
    data: bytes(),
    flowControlled: 3,
  });
});

t.test('flags a type does not define are ignored', async (t) => {
  t.same(parse(raw(FrameType.PING, 0xfe, 0, [0, 0, 0, 0, 0, 0, 0, 0])), {
    type: FrameType.PING,
    ack: false,
    data: bytes(0, 0, 0, 0, 0, 0, 0, 0),
  });
  t.same(parse(raw(FrameType.RST_STREAM, 0xff, 1, [0, 0, 0, 8])), {
    type: FrameType.RST_STREAM,
    streamId: 1,
    errorCode: 8,
  });
});

t.test('a frame of an unknown type parses to nothing (ignored, §5.5)', async (t) => {
  t.equal(parse(raw(0x42, 0xff, 0, [1, 2, 3])), undefined);
  t.equal(parse(raw(0xff, 0, 5, [])), undefined);
});

t.test('a field block split into HEADERS and CONTINUATION frames of at most the max frame size', async (t) => {
  const block = Uint8Array.from({ length: 40_000 }, (_, i) => i & 0xff);
  const wire = encodeFieldBlock(5, block, { endStream: true, maxFrameSize: 16_384 });
  const frames: Frame[] = [];
  for (let at = 0; at < wire.length;) {
    const h = readFrameHeader(wire, at);
    frames.push(parseFrame(h, wire.subarray(at + 9, at + 9 + h.length))!);
    at += 9 + h.length;
  }
  t.same(
    frames.map((f) => [f.type, 'endHeaders' in f ? f.endHeaders : '?', 'fragment' in f ? f.fragment.length : -1]),
    [
      [FrameType.HEADERS, false, 16_384],
      [FrameType.CONTINUATION, false, 16_384],
      [FrameType.CONTINUATION, true, 40_000 - 2 * 16_384],
    ],
  );
  t.equal((frames[0] as { endStream: boolean }).endStream, true, 'END_STREAM on the HEADERS frame');
  const small = encodeFieldBlock(1, bytes(0x82));
  t.equal(hex(small), '000001' + '01' + '04' + '00000001' + '82', 'a small block: one HEADERS with END_HEADERS');
  const empty = encodeFieldBlock(1, bytes());
  t.equal(hex(empty), '000000' + '01' + '04' + '00000001', 'an empty block is still one HEADERS frame');
});

t.test('malformed frames: the RFC error code and scope of each case', async (t) => {
  const cases: [string, Uint8Array, number, ErrorScope, number?][] = [
    // [what, frame, code, scope, stream of a stream error]
    ['DATA on stream 0 (§6.1)', raw(FrameType.DATA, 0, 0, [1]), ErrorCode.PROTOCOL_ERROR, 'connection'],
    [
      'padded DATA with no Pad Length byte',
      raw(FrameType.DATA, Flag.PADDED, 1, []),
      ErrorCode.FRAME_SIZE_ERROR,
      'connection',
    ],
    [
      'DATA padding as long as the payload (§6.1)',
      raw(FrameType.DATA, Flag.PADDED, 1, [3, 0, 0]),
      ErrorCode.PROTOCOL_ERROR,
      'connection',
    ],
    ['HEADERS on stream 0 (§6.2)', raw(FrameType.HEADERS, 4, 0, [0x82]), ErrorCode.PROTOCOL_ERROR, 'connection'],
    [
      'HEADERS padding past the fragment (§6.2)',
      raw(FrameType.HEADERS, Flag.PADDED | 4, 1, [2, 0x82]),
      ErrorCode.PROTOCOL_ERROR,
      'connection',
    ],
    [
      'HEADERS with PRIORITY too short for it',
      raw(FrameType.HEADERS, Flag.PRIORITY, 1, [0, 0, 0]),
      ErrorCode.FRAME_SIZE_ERROR,
      'connection',
    ],
    [
      'HEADERS padded and with PRIORITY, padding past the fragment',
      raw(FrameType.HEADERS, Flag.PADDED | Flag.PRIORITY, 1, [1, 0, 0, 0, 0, 0x10]),
      ErrorCode.PROTOCOL_ERROR,
      'connection',
    ],
    [
      'HEADERS depending on its own stream',
      raw(FrameType.HEADERS, Flag.PRIORITY | 4, 3, [0, 0, 0, 3, 0x10]),
      ErrorCode.PROTOCOL_ERROR,
      'connection',
    ],
    [
      'PRIORITY on stream 0 (§6.3)',
      raw(FrameType.PRIORITY, 0, 0, [0, 0, 0, 1, 0]),
      ErrorCode.PROTOCOL_ERROR,
      'connection',
    ],
    [
      'PRIORITY of 4 bytes (§6.3)',
      raw(FrameType.PRIORITY, 0, 5, [0, 0, 0, 1]),
      ErrorCode.FRAME_SIZE_ERROR,
      'stream',
      5,
    ],
    [
      'PRIORITY of 6 bytes (§6.3)',
      raw(FrameType.PRIORITY, 0, 5, [0, 0, 0, 1, 0, 0]),
      ErrorCode.FRAME_SIZE_ERROR,
      'stream',
      5,
    ],
    [
      'PRIORITY depending on itself (§5.3.1)',
      raw(FrameType.PRIORITY, 0, 5, [0x80, 0, 0, 5, 0]),
      ErrorCode.PROTOCOL_ERROR,
      'stream',
      5,
    ],
    [
      'RST_STREAM on stream 0 (§6.4)',
      raw(FrameType.RST_STREAM, 0, 0, [0, 0, 0, 0]),
      ErrorCode.PROTOCOL_ERROR,
      'connection',
    ],
    [
      'RST_STREAM of 3 bytes (§6.4)',
      raw(FrameType.RST_STREAM, 0, 1, [0, 0, 0]),
      ErrorCode.FRAME_SIZE_ERROR,
      'connection',
    ],
    ['SETTINGS on a stream (§6.5)', raw(FrameType.SETTINGS, 0, 1, []), ErrorCode.PROTOCOL_ERROR, 'connection'],
    [
      'SETTINGS ACK with a payload (§6.5)',
      raw(FrameType.SETTINGS, Flag.ACK, 0, [0, 1, 0, 0, 0, 0]),
      ErrorCode.FRAME_SIZE_ERROR,
      'connection',
    ],
    [
      'SETTINGS of 7 bytes (§6.5)',
      raw(FrameType.SETTINGS, 0, 0, [0, 1, 0, 0, 0, 0, 0]),
      ErrorCode.FRAME_SIZE_ERROR,
      'connection',
    ],
    [
      'SETTINGS_ENABLE_PUSH 2 (§6.5.2)',
      raw(FrameType.SETTINGS, 0, 0, [0, 2, 0, 0, 0, 2]),
      ErrorCode.PROTOCOL_ERROR,
      'connection',
    ],
    [
      'SETTINGS_INITIAL_WINDOW_SIZE 2^31 (§6.5.2)',
      raw(FrameType.SETTINGS, 0, 0, [0, 4, 0x80, 0, 0, 0]),
      ErrorCode.FLOW_CONTROL_ERROR,
      'connection',
    ],
    [
      'SETTINGS_MAX_FRAME_SIZE 16383 (§6.5.2)',
      raw(FrameType.SETTINGS, 0, 0, [0, 5, 0, 0, 0x3f, 0xff]),
      ErrorCode.PROTOCOL_ERROR,
      'connection',
    ],
    [
      'SETTINGS_MAX_FRAME_SIZE 2^24 (§6.5.2)',
      raw(FrameType.SETTINGS, 0, 0, [0, 5, 1, 0, 0, 0]),
      ErrorCode.PROTOCOL_ERROR,
      'connection',
    ],
    [
      'PUSH_PROMISE on stream 0 (§6.6)',
      raw(FrameType.PUSH_PROMISE, 4, 0, [0, 0, 0, 2]),
      ErrorCode.PROTOCOL_ERROR,
      'connection',
    ],
    ['PUSH_PROMISE of 3 bytes', raw(FrameType.PUSH_PROMISE, 4, 1, [0, 0, 0]), ErrorCode.FRAME_SIZE_ERROR, 'connection'],
    [
      'PUSH_PROMISE padding past the fragment',
      raw(FrameType.PUSH_PROMISE, Flag.PADDED | 4, 1, [1, 0, 0, 0, 2]),
      ErrorCode.PROTOCOL_ERROR,
      'connection',
    ],
    [
      'PING on a stream (§6.7)',
      raw(FrameType.PING, 0, 1, [0, 0, 0, 0, 0, 0, 0, 0]),
      ErrorCode.PROTOCOL_ERROR,
      'connection',
    ],
    [
      'PING of 7 bytes (§6.7)',
      raw(FrameType.PING, 0, 0, [0, 0, 0, 0, 0, 0, 0]),
      ErrorCode.FRAME_SIZE_ERROR,
      'connection',
    ],
    [
      'PING of 9 bytes (§6.7)',
      raw(FrameType.PING, 0, 0, [0, 0, 0, 0, 0, 0, 0, 0, 0]),
      ErrorCode.FRAME_SIZE_ERROR,
      'connection',
    ],
    [
      'GOAWAY on a stream (§6.8)',
      raw(FrameType.GOAWAY, 0, 1, [0, 0, 0, 0, 0, 0, 0, 0]),
      ErrorCode.PROTOCOL_ERROR,
      'connection',
    ],
    ['GOAWAY of 7 bytes', raw(FrameType.GOAWAY, 0, 0, [0, 0, 0, 0, 0, 0, 0]), ErrorCode.FRAME_SIZE_ERROR, 'connection'],
    [
      'WINDOW_UPDATE of 3 bytes (§6.9)',
      raw(FrameType.WINDOW_UPDATE, 0, 1, [0, 0, 1]),
      ErrorCode.FRAME_SIZE_ERROR,
      'connection',
    ],
    [
      'WINDOW_UPDATE of 5 bytes on stream 0',
      raw(FrameType.WINDOW_UPDATE, 0, 0, [0, 0, 0, 1, 0]),
      ErrorCode.FRAME_SIZE_ERROR,
      'connection',
    ],
    [
      'WINDOW_UPDATE by 0 on a stream (§6.9)',
      raw(FrameType.WINDOW_UPDATE, 0, 7, [0, 0, 0, 0]),
      ErrorCode.PROTOCOL_ERROR,
      'stream',
      7,
    ],
    [
      'WINDOW_UPDATE by 0 on the connection (§6.9)',
      raw(FrameType.WINDOW_UPDATE, 0, 0, [0, 0, 0, 0]),
      ErrorCode.PROTOCOL_ERROR,
      'connection',
    ],
    [
      'WINDOW_UPDATE by 0 with only the reserved bit set',
      raw(FrameType.WINDOW_UPDATE, 0, 7, [0x80, 0, 0, 0]),
      ErrorCode.PROTOCOL_ERROR,
      'stream',
      7,
    ],
    [
      'CONTINUATION on stream 0 (§6.10)',
      raw(FrameType.CONTINUATION, 4, 0, [0x82]),
      ErrorCode.PROTOCOL_ERROR,
      'connection',
    ],
  ];
  for (const [what, frame, code, scope, streamId] of cases) {
    const err = errorOf(() => parse(frame));
    t.same(
      { code: err.code, scope: err.scope, streamId: err.streamId, fault: err.fault },
      { code, scope, streamId: streamId ?? 0, fault: 'peer' },
      what,
    );
  }
});

t.test('the writer refuses what may not be sent (fault local)', async (t) => {
  const cases: [string, () => unknown][] = [
    ['DATA on stream 0', () => encodeData(0, bytes())],
    ['a stream id over 2^31-1', () => encodeData(2 ** 31, bytes())],
    ['padding of 256', () => encodeData(1, bytes(), { padLength: 256 })],
    ['a payload over 2^24-1', () => encodeData(1, new Uint8Array(2 ** 24))],
    ['a window increment of 0', () => encodeWindowUpdate(1, 0)],
    ['a window increment of 2^31', () => encodeWindowUpdate(0, 2 ** 31)],
    ['SETTINGS_ENABLE_PUSH 2', () => encodeSettings([{ id: SettingId.ENABLE_PUSH, value: 2 }])],
    ['SETTINGS_MAX_FRAME_SIZE 1024', () => encodeSettings([{ id: SettingId.MAX_FRAME_SIZE, value: 1024 }])],
    ['a setting id over 16 bits', () => encodeSettings([{ id: 0x10000, value: 0 }])],
    ['a PING of 4 bytes', () => encodePing(bytes(1, 2, 3, 4))],
    ['a GOAWAY last stream of -1', () => encodeGoaway(-1, 0)],
    ['a block split smaller than 16,384', () => encodeFieldBlock(1, bytes(1), { maxFrameSize: 100 })],
    [
      'a stream depending on itself',
      () => encodeHeaders(3, bytes(), { priority: { exclusive: false, dependency: 3, weight: 16 } }),
    ],
  ];
  for (const [what, fn] of cases) {
    const err = errorOf(fn);
    t.equal(err.fault, 'local', what);
  }
});
