// The connection's output (src/h2/output.ts): the frames of a tick in one run, each run handed over
// once and never written again, and a quiet connection holding no large slab.
import t, { type Test } from 'tap';
import { FrameOutput, type Run } from '../../src/h2/output.js';
import { FrameReader } from '../../src/h2/frame-reader.js';
import { FrameType, type DataFrame, type Frame } from '../../src/h2/frame.js';

/** A run as one piece of memory (pieces joined in order). */
function joined(run: Run): Uint8Array {
  return run instanceof Uint8Array ? run : Buffer.concat(run);
}

function collect(): { runs: Run[]; copies: Uint8Array[]; out: FrameOutput } {
  const runs: Run[] = [];
  const copies: Uint8Array[] = [];
  const out = new FrameOutput((run) => {
    runs.push(run);
    copies.push(joined(run).slice());
  });
  return { runs, copies, out };
}

t.test('the frames written in one tick are handed over as one run, on a microtask', async (t) => {
  const { runs, out } = collect();
  out.settings([{ id: 3, value: 100 }]);
  out.windowUpdate(0, 1000);
  out.data(1, new Uint8Array([1, 2, 3]), true);
  t.equal(runs.length, 0, 'nothing before the microtask');
  await Promise.resolve();
  t.equal(runs.length, 1);
  const frames: Frame[] = [];
  new FrameReader({ preface: false, onFrame: (f) => frames.push(f), onStreamError: (e) => t.fail(e.message) }).push(
    joined(runs[0]!),
  );
  t.same(
    frames.map((f) => f.type),
    [FrameType.SETTINGS, FrameType.WINDOW_UPDATE, FrameType.DATA],
  );
});

t.test('a run handed over is never written again, across slabs', async (t) => {
  const { runs, copies, out } = collect();
  for (let tick = 0; tick < 50; tick++) {
    for (let i = 0; i < 1 + (tick % 7) * 10; i++) out.data(1 + 2 * i, new Uint8Array(100 + tick).fill(tick), false);
    await Promise.resolve();
  }
  t.equal(runs.length, 50);
  t.ok(
    runs.every((r, i) => Buffer.from(joined(r)).equals(copies[i]!)),
    'every run still holds the bytes it had when it was handed over',
  );
});

t.test('a connection gone quiet lets a busy tick’s slab go', async (t) => {
  const { out } = collect();
  for (let i = 0; i < 10; i++) out.data(1, new Uint8Array(4000), false); // copied: under the view size
  await Promise.resolve();
  out.ping(new Uint8Array(8), true);
  await Promise.resolve();
  t.equal(out.retained, 0, 'after a small tick, no slab is held');
  out.ping(new Uint8Array(8), true);
  await Promise.resolve();
  t.ok(out.retained <= 1024, `the next slab is small (${out.retained} bytes)`);
});

/** An empty SETTINGS frame: what a reader wants first (the connection preface). */
const SETTINGS = new Uint8Array([0, 0, 0, FrameType.SETTINGS, 0, 0, 0, 0, 0]);

/** The frames of a run, in order, parsed (after a SETTINGS frame put in front, dropped again). */
function framesOf(t: Test, run: Run): Frame[] {
  const frames: Frame[] = [];
  const reader = new FrameReader({
    preface: false,
    maxFrameSize: 65_536,
    onFrame: (f) => frames.push(f),
    onStreamError: (e) => t.fail(e.message),
  });
  reader.push(SETTINGS);
  reader.push(joined(run));
  return frames.slice(1);
}

t.test('a large DATA payload goes out as the caller’s memory, between the slab’s frames, in order', async (t) => {
  const { runs, out } = collect();
  const big = new Uint8Array(20_000).fill(7);
  const bigger = new Uint8Array(16_384).fill(9);
  out.fieldBlock(1, new Uint8Array([0x88]), false, 16_384);
  out.data(1, new Uint8Array([1, 2, 3]), false);
  out.data(1, big, false);
  out.windowUpdate(0, 5);
  out.data(3, bigger, true);
  out.data(1, new Uint8Array([4]), true);
  t.equal(out.pending, 9 + 1 + 9 + 3 + 9 + 20_000 + 13 + 9 + 16_384 + 9 + 1, 'pending counts the payloads too');
  await Promise.resolve();
  t.equal(runs.length, 1, 'one run for the tick');
  const run = runs[0]!;
  t.notOk(run instanceof Uint8Array, 'handed over as pieces');
  const pieces = run as readonly Uint8Array[];
  t.ok(pieces.includes(big) && pieces.includes(bigger), 'the payloads are the very arrays given, not copies');
  t.same(
    pieces.map((p) => p.length),
    [9 + 1 + 9 + 3 + 9, 20_000, 13 + 9, 16_384, 9 + 1],
    'slab pieces hold the headers and small frames around each payload',
  );
  const frames = framesOf(t, run);
  t.same(
    frames.map((f) => [f.type, 'streamId' in f ? f.streamId : 0]),
    [
      [FrameType.HEADERS, 1],
      [FrameType.DATA, 1],
      [FrameType.DATA, 1],
      [FrameType.WINDOW_UPDATE, 0],
      [FrameType.DATA, 3],
      [FrameType.DATA, 1],
    ],
  );
  const data = frames.filter((f): f is DataFrame => f.type === FrameType.DATA);
  t.same(
    data.map((f) => [f.data.length, f.endStream]),
    [
      [3, false],
      [20_000, false],
      [16_384, true],
      [1, true],
    ],
    'lengths and END_STREAM as given',
  );
  t.ok(data[1]!.data.every((b) => b === 7) && data[2]!.data.every((b) => b === 9), 'payload bytes intact');
  t.equal(out.pending, 0);
});

t.test('a run that ends with a large payload, and a split payload as views of one message', async (t) => {
  const { runs, out } = collect();
  const message = new Uint8Array(40_000).map((_, i) => i & 0xff);
  // What a stream's pump does under a 16 KiB SETTINGS_MAX_FRAME_SIZE: views of the one message.
  for (let at = 0; at < message.length; at += 16_384)
    out.data(5, message.subarray(at, Math.min(message.length, at + 16_384)), at + 16_384 >= message.length);
  await Promise.resolve();
  t.equal(runs.length, 1);
  const pieces = runs[0] as readonly Uint8Array[];
  t.same(
    pieces.map((p) => p.length),
    [9, 16_384, 9, 16_384, 9, 7232],
    'headers and payload views alternate; nothing after the last payload',
  );
  t.ok(pieces[1]!.buffer === message.buffer && pieces[1]!.byteOffset === 0, 'views of the message’s memory');
  const frames = framesOf(t, runs[0]!).filter((f): f is DataFrame => f.type === FrameType.DATA);
  t.same(
    frames.map((f) => [f.data.length, f.endStream]),
    [
      [16_384, false],
      [16_384, false],
      [7232, true],
    ],
  );
  t.ok(Buffer.from(Buffer.concat(frames.map((f) => f.data))).equals(message), 'the message, in order');
  // The next tick starts afresh: a small frame alone is one Uint8Array again.
  out.ping(new Uint8Array(8), false);
  await Promise.resolve();
  t.ok(runs[1] instanceof Uint8Array, 'a tick of small frames is one run');
  t.same(
    framesOf(t, runs[1]!).map((f) => f.type),
    [FrameType.PING],
  );
});

t.test('small payloads are copied: the caller may reuse them', async (t) => {
  const { runs, copies, out } = collect();
  const small = new Uint8Array(100).fill(1);
  out.data(1, small, false);
  small.fill(2);
  await Promise.resolve();
  t.ok(runs[0] instanceof Uint8Array);
  t.ok(Buffer.from(joined(runs[0]!)).equals(copies[0]!), 'the run holds the bytes as they were at data()');
  t.equal(joined(runs[0]!)[9], 1);
});

t.test('discard drops the pieces not handed over', async (t) => {
  const { runs, out } = collect();
  out.data(1, new Uint8Array(10_000), false);
  out.discard();
  t.equal(out.pending, 0);
  await Promise.resolve();
  t.equal(runs.length, 0, 'nothing handed over');
});

t.test('a slab with room for another tick like the last is kept: no new slab per tick', async (t) => {
  const { runs, copies, out } = collect();
  const held: number[] = [];
  for (let tick = 0; tick < 20; tick++) {
    out.fieldBlock(1 + 2 * tick, new Uint8Array(20).fill(tick), false, 16_384);
    out.data(1 + 2 * tick, new Uint8Array(20_000), true); // a view: 9 bytes of slab
    await Promise.resolve();
    held.push(out.retained);
  }
  t.equal(runs.length, 20);
  t.ok(
    held.every((n) => n === 1024),
    `one first slab serves ticks of 38 slab bytes until it is nearly full (${[...new Set(held)].join(', ')})`,
  );
  const frames = runs.flatMap((r) => framesOf(t, r));
  t.same(
    frames.map((f) => f.type),
    Array.from({ length: 20 }, () => [FrameType.HEADERS, FrameType.DATA]).flat(),
    'every tick intact, in order',
  );
  t.ok(
    runs.every((r, i) => Buffer.from(joined(r)).equals(copies[i]!)),
    'and no tick rewrote an earlier one',
  );
});
