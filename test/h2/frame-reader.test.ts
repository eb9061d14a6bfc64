// The frame reader: bytes in any chunking to frames, with the connection preface,
// SETTINGS_MAX_FRAME_SIZE checked before a payload is kept, and the field-block
// sequencing of §6.10 (HEADERS, then only its CONTINUATION frames).
import t from 'tap';
import { ErrorCode, H2Error } from '../../src/h2/errors.js';
import { CLIENT_PREFACE, FrameType, type Frame } from '../../src/h2/frame.js';
import { FrameReader } from '../../src/h2/frame-reader.js';
import {
  encodeContinuation,
  encodeData,
  encodeHeaders,
  encodePing,
  encodePushPromise,
  encodeSettings,
  encodeSettingsAck,
  encodeWindowUpdate,
} from '../../src/h2/frame-write.js';

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const SETTINGS = encodeSettings([{ id: 3, value: 100 }]);

interface Outcome {
  frames: Frame[];
  streamErrors: H2Error[];
  error?: H2Error;
}

function read(chunks: Uint8Array[], preface = true, maxFrameSize?: number): Outcome {
  const out: Outcome = { frames: [], streamErrors: [] };
  const reader = new FrameReader({
    preface,
    ...(maxFrameSize === undefined ? {} : { maxFrameSize }),
    onFrame: (f) => out.frames.push(f),
    onStreamError: (e) => out.streamErrors.push(e),
  });
  try {
    for (const c of chunks) reader.push(c);
    reader.end();
  } catch (err) {
    if (!(err instanceof H2Error)) throw err;
    out.error = err;
  }
  return out;
}

/** `bytes` cut at every position in `cuts`. */
function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let last = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(bytes.subarray(last, c));
    last = c;
  }
  return out;
}

const simple = (frames: Frame[]) => JSON.stringify(frames, (_, v: unknown) => (v instanceof Uint8Array ? [...v] : v));

const conversation = concat(
  CLIENT_PREFACE,
  SETTINGS,
  encodeSettingsAck(),
  encodeHeaders(1, Uint8Array.of(0x82, 0x86, 0x84), { endHeaders: false }),
  encodeContinuation(1, Uint8Array.of(0x41, 0x01, 0x61), false),
  encodeContinuation(1, Uint8Array.of(0x87), true),
  encodeData(1, new Uint8Array(16_000).fill(7), { padLength: 9 }),
  encodeWindowUpdate(0, 1000),
  encodePing(new Uint8Array(8).fill(1)),
  encodeData(1, new Uint8Array(0), { endStream: true }),
);

t.test('a whole conversation in one chunk: every frame, in order', async (t) => {
  const out = read([conversation]);
  t.equal(out.error, undefined);
  t.same(
    out.frames.map((f) => f.type),
    [
      FrameType.SETTINGS,
      FrameType.SETTINGS,
      FrameType.HEADERS,
      FrameType.CONTINUATION,
      FrameType.CONTINUATION,
      FrameType.DATA,
      FrameType.WINDOW_UPDATE,
      FrameType.PING,
      FrameType.DATA,
    ],
  );
});

t.test('the same frames whatever the chunking: every single cut, and one byte at a time', async (t) => {
  const whole = simple(read([conversation]).frames);
  // Cuts near every boundary that matters, and a sweep through the preface and the headers.
  for (let at = 0; at < 120; at++) t.equal(simple(read(cut(conversation, [at])).frames), whole, `cut at ${at}`);
  const bytes = Array.from({ length: conversation.length }, (_, i) => conversation.subarray(i, i + 1));
  t.equal(simple(read(bytes).frames), whole, 'one byte at a time');
});

t.test('frames inside one chunk are views of it; a frame across chunks is assembled once', async (t) => {
  const chunk = concat(CLIENT_PREFACE, SETTINGS, encodeData(1, Uint8Array.of(1, 2, 3)));
  const out = read([chunk]);
  const data = out.frames[1] as Frame & { data: Uint8Array };
  t.equal(data.data.buffer, chunk.buffer, 'a view into the chunk');
  const split = read(cut(chunk, [chunk.length - 2]));
  t.same([...(split.frames[1] as { data: Uint8Array }).data], [1, 2, 3]);
});

t.test('the client preface is checked octet by octet', async (t) => {
  const bad = concat(CLIENT_PREFACE, SETTINGS);
  bad[10] ^= 1;
  for (const chunks of [[bad], cut(bad, [5, 10, 11])]) {
    const out = read(chunks);
    t.equal(out.error?.code, ErrorCode.PROTOCOL_ERROR);
    t.equal(out.error?.scope, 'connection');
    t.equal(out.frames.length, 0);
  }
  const http1 = read([new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n')]);
  t.match(http1.error?.message, /HTTP\/1 request/, 'an HTTP/1 request is named as such');
  t.equal(read([CLIENT_PREFACE.subarray(0, 10)]).error?.code, ErrorCode.PROTOCOL_ERROR, 'ended inside the preface');
  t.equal(read([SETTINGS], false).error, undefined, 'a client reader expects no preface');
});

t.test('the first frame must be SETTINGS (§3.4)', async (t) => {
  const ping = read([concat(CLIENT_PREFACE, encodePing(new Uint8Array(8)))]);
  t.same([ping.error?.code, ping.error?.scope], [ErrorCode.PROTOCOL_ERROR, 'connection']);
  const ack = read([encodeSettingsAck()], false);
  t.equal(ack.error?.code, ErrorCode.PROTOCOL_ERROR, 'not a SETTINGS ACK either');
  t.equal(read([encodeSettings([])], false).error, undefined, 'an empty SETTINGS is a preface');
});

t.test('a frame over SETTINGS_MAX_FRAME_SIZE is refused from its header alone', async (t) => {
  // A header announcing 16,385 bytes, and none of them sent: the error comes anyway.
  const header = Uint8Array.of(0x00, 0x40, 0x01, FrameType.DATA, 0, 0, 0, 0, 1);
  const out = read([concat(SETTINGS, header)], false);
  t.same([out.error?.code, out.error?.scope], [ErrorCode.FRAME_SIZE_ERROR, 'connection']);
  const huge = Uint8Array.of(0xff, 0xff, 0xff, FrameType.HEADERS, 4, 0, 0, 0, 1);
  t.equal(read([concat(SETTINGS, huge)], false).error?.code, ErrorCode.FRAME_SIZE_ERROR, '2^24-1 announced');
  const exactly = encodeData(1, new Uint8Array(16_384));
  t.equal(read([concat(SETTINGS, exactly)], false).error, undefined, '16,384 exactly is fine');
  const bigger = encodeData(1, new Uint8Array(100_000));
  t.equal(read([concat(SETTINGS, bigger)], false, 100_000).error, undefined, 'within a raised limit');
  t.throws(() => new FrameReader({ preface: false, maxFrameSize: 1000, onFrame() {}, onStreamError() {} }), H2Error);
});

t.test('field blocks: only CONTINUATION on the same stream may follow until END_HEADERS (§6.10)', async (t) => {
  const open = encodeHeaders(1, Uint8Array.of(0x82), { endHeaders: false });
  const cases: [string, Uint8Array][] = [
    ['DATA inside a field block', encodeData(1, Uint8Array.of(1))],
    ['PING inside a field block', encodePing(new Uint8Array(8))],
    ['CONTINUATION of another stream', encodeContinuation(3, Uint8Array.of(0x82), true)],
    ['HEADERS of another stream', encodeHeaders(3, Uint8Array.of(0x82))],
    ['an unknown frame type inside a field block', Uint8Array.of(0, 0, 0, 0x42, 0, 0, 0, 0, 0)],
  ];
  for (const [what, frame] of cases) {
    const out = read([concat(SETTINGS, open, frame)], false);
    t.same([out.error?.code, out.error?.scope], [ErrorCode.PROTOCOL_ERROR, 'connection'], what);
  }
  const stray = read([concat(SETTINGS, encodeContinuation(1, Uint8Array.of(0x82), true))], false);
  t.equal(stray.error?.code, ErrorCode.PROTOCOL_ERROR, 'CONTINUATION with no block open');
  const closed = read(
    [
      concat(
        SETTINGS,
        open,
        encodeContinuation(1, new Uint8Array(0), true),
        encodeContinuation(1, Uint8Array.of(0x82), true),
      ),
    ],
    false,
  );
  t.equal(closed.error?.code, ErrorCode.PROTOCOL_ERROR, 'CONTINUATION after END_HEADERS');
});

t.test('unknown frame types are skipped; stream errors are reported and reading goes on', async (t) => {
  const unknown = Uint8Array.of(0, 0, 3, 0x42, 0xff, 0, 0, 0, 1, 9, 9, 9);
  const badPriority = Uint8Array.of(0, 0, 4, FrameType.PRIORITY, 0, 0, 0, 0, 5, 0, 0, 0, 1);
  const zeroWindow = Uint8Array.of(0, 0, 4, FrameType.WINDOW_UPDATE, 0, 0, 0, 0, 7, 0, 0, 0, 0);
  const out = read([concat(SETTINGS, unknown, badPriority, zeroWindow, encodePing(new Uint8Array(8)))], false);
  t.equal(out.error, undefined);
  t.same(
    out.frames.map((f) => f.type),
    [FrameType.SETTINGS, FrameType.PING],
  );
  t.same(
    out.streamErrors.map((e) => [e.code, e.streamId]),
    [
      [ErrorCode.FRAME_SIZE_ERROR, 5],
      [ErrorCode.PROTOCOL_ERROR, 7],
    ],
  );
});

t.test('after a connection error the reader stays failed', async (t) => {
  const reader = new FrameReader({ preface: false, onFrame() {}, onStreamError() {} });
  const err = t.throws(() => reader.push(encodePing(new Uint8Array(8))));
  t.equal(
    t.throws(() => reader.push(SETTINGS)),
    err,
  );
  t.equal(
    t.throws(() => reader.end()),
    err,
  );
});

t.test('the connection ending inside a frame is a connection error', async (t) => {
  const data = encodeData(1, Uint8Array.of(1, 2, 3));
  t.equal(read([concat(SETTINGS, data.subarray(0, 5))], false).error?.code, ErrorCode.PROTOCOL_ERROR, 'in a header');
  t.equal(read([concat(SETTINGS, data.subarray(0, 10))], false).error?.code, ErrorCode.PROTOCOL_ERROR, 'in a payload');
  t.equal(read([concat(SETTINGS, data)], false).error, undefined, 'on a boundary: fine');
  const open = encodeHeaders(1, Uint8Array.of(0x82), { endHeaders: false });
  t.equal(read([concat(SETTINGS, open)], false).error?.code, ErrorCode.PROTOCOL_ERROR, 'in a field block');
});

t.test('a field block over maxFieldBlockSize is cut from the frame headers, before its bytes are kept', async (t) => {
  const read = (frames: Uint8Array[], maxFieldBlockSize: number) => {
    const got: Frame[] = [];
    const reader = new FrameReader({
      preface: false,
      maxFieldBlockSize,
      onFrame: (f) => got.push(f),
      onStreamError() {},
    });
    try {
      for (const f of frames) reader.push(f);
      return { got, error: undefined };
    } catch (err) {
      return { got, error: err as H2Error };
    }
  };
  const piece = new Uint8Array(1000);
  const flood = [SETTINGS, encodeHeaders(1, piece, { endHeaders: false })];
  for (let i = 0; i < 10; i++) flood.push(encodeContinuation(1, piece, false));
  const cut = read(flood, 5000);
  t.same([cut.error?.code, cut.error?.scope], [ErrorCode.ENHANCE_YOUR_CALM, 'connection']);
  t.equal(cut.got.length, 6, 'SETTINGS, HEADERS and four CONTINUATIONs: 5000 bytes, the limit exactly; not the next');
  // Only the header of the frame over the limit is needed to refuse it.
  const header = encodeContinuation(1, new Uint8Array(16_000), false).subarray(0, 9);
  t.equal(
    read([SETTINGS, encodeHeaders(1, piece, { endHeaders: false }), header], 5000).error?.code,
    ErrorCode.ENHANCE_YOUR_CALM,
  );
  // Each block is counted on its own.
  const blocks = [SETTINGS];
  for (let i = 0; i < 10; i++) blocks.push(encodeHeaders(1 + 2 * i, piece));
  t.equal(read(blocks, 5000).error, undefined, 'ten blocks of 1000 bytes under a 5000-byte limit');
  t.equal(read(flood, 100_000).error, undefined, 'the flood within a larger limit');
});

t.test('PUSH_PROMISE: refused by a server, and by a client that did not enable push (§8.4, §6.5.2)', async (t) => {
  const push = encodePushPromise(1, 2, Uint8Array.of(0x82));
  const onServer = read([concat(CLIENT_PREFACE, SETTINGS, push)]);
  t.same([onServer.error?.code, onServer.error?.scope], [ErrorCode.PROTOCOL_ERROR, 'connection']);
  t.match(onServer.error?.message, /clients cannot push/);
  const onClient = read([concat(SETTINGS, push)], false);
  t.equal(onClient.error?.code, ErrorCode.PROTOCOL_ERROR, 'a client by default');
  const frames: Frame[] = [];
  const enabled = new FrameReader({
    preface: false,
    pushEnabled: true,
    onFrame: (f) => frames.push(f),
    onStreamError() {},
  });
  enabled.push(concat(SETTINGS, push));
  t.same(
    frames.map((f) => f.type),
    [FrameType.SETTINGS, FrameType.PUSH_PROMISE],
    'a client with push enabled',
  );
});
