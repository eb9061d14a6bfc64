// The send side's batching (src/http2/message-writer.ts): the frames of one tick leave in one write, and a
// large frame is never copied into a batch — it is written as it is, after what was gathered before it.
import t from 'tap';
import { MessageWriter } from '../../src/http2/message-writer.js';

function recorder(): { writes: Uint8Array[]; writer: MessageWriter } {
  const writes: Uint8Array[] = [];
  return { writes, writer: new MessageWriter({ writeFrames: (chunk) => void writes.push(chunk) }) };
}

t.test('small frames of one tick: one write at the end of the tick', async (t) => {
  const { writes, writer } = recorder();
  writer.push(new Uint8Array([1, 1]));
  writer.push(new Uint8Array([2]));
  t.equal(writes.length, 0, 'nothing written yet');
  await new Promise((r) => process.nextTick(r));
  t.same(
    writes.map((w) => [...w]),
    [[1, 1, 2]],
  );
});

t.test('a large frame is written as it is, after the batch before it', async (t) => {
  const { writes, writer } = recorder();
  const big = new Uint8Array(64 * 1024).fill(7);
  writer.push(new Uint8Array([1]));
  writer.push(big);
  t.equal(writes.length, 2);
  t.same([...writes[0]!], [1]);
  t.ok(writes[1] === big, 'the very frame, not a copy');
});

t.test('take(last): small frames ride together; a large last frame is not copied', async (t) => {
  const small = recorder();
  small.writer.push(new Uint8Array([1]));
  const chunk = small.writer.take(new Uint8Array([2, 2]));
  t.same([...chunk!], [1, 2, 2], 'gathered + last in one chunk (the end of the stream goes out in one write)');
  t.equal(small.writes.length, 0);

  const large = recorder();
  const big = new Uint8Array(1024 * 1024).fill(9);
  large.writer.push(new Uint8Array([1]));
  const last = large.writer.take(big);
  t.same(
    large.writes.map((w) => [...w]),
    [[1]],
    'the gathered batch is written first',
  );
  t.ok(
    last === big,
    `the large last frame comes back as it is, not copied into a new buffer (got ${last?.length} bytes)`,
  );
  t.equal(large.writer.take(undefined), undefined, 'nothing left gathered');
  await new Promise((r) => process.nextTick(r));
  t.equal(large.writes.length, 1, 'the scheduled flush finds nothing');
});

// ─── The arena: frames allocated by the writer, gathered without a copy ──

/** A frame of `length` bytes from the writer's allocator, every byte `fill` (as the codec would write it). */
function arenaFrame(writer: MessageWriter, length: number, fill: number): Uint8Array {
  const frame = writer.alloc(length);
  if (frame.length !== length) throw new Error(`alloc(${length}) gave ${frame.length} bytes`);
  frame.fill(fill);
  return frame;
}

const tick = () => new Promise((r) => process.nextTick(r));

t.test('arena frames of one tick: one write, the very arena bytes (no copy)', async (t) => {
  const { writes, writer } = recorder();
  const a = arenaFrame(writer, 5, 1);
  writer.push(a);
  const b = arenaFrame(writer, 7, 2);
  writer.push(b);
  await tick();
  t.equal(writes.length, 1);
  t.same([...writes[0]!], [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2]);
  t.ok(
    writes[0]!.buffer === a.buffer && writes[0]!.byteOffset === a.byteOffset,
    'the chunk is a view of the arena, starting at the first frame',
  );
  t.ok(Buffer.isBuffer(writes[0]), 'written as a Node Buffer (no conversion in write())');
});

t.test('arena: order across flushes and arenas; no written byte ever changes', async (t) => {
  const { writes, writer } = recorder();
  const snapshots: Buffer[] = [];
  const expected: Buffer[] = [];
  const snapshot = () => {
    while (snapshots.length < writes.length) snapshots.push(Buffer.from(writes[snapshots.length]!));
  };
  // 20 000 frames of 5..40 bytes a tick: several batches and several arenas within one tick, then more ticks.
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 20_000; i++) {
      const length = 5 + (i % 36);
      const fill = (i + round) & 0xff;
      writer.push(arenaFrame(writer, length, fill));
      expected.push(Buffer.alloc(length, fill));
      snapshot(); // a copy of each chunk when it is written: later frames must not overwrite it
    }
    await tick();
    snapshot();
  }
  t.ok(writes.length > 3, `several writes (${writes.length})`);
  t.ok(
    writes.every((w) => w.length <= 64 * 1024),
    'no write over a batch',
  );
  const changed = writes.findIndex((w, i) => !Buffer.from(w).equals(snapshots[i]!));
  t.equal(changed, -1, 'every written chunk still holds the bytes it was written with');
  t.ok(Buffer.concat(writes).equals(Buffer.concat(expected)), 'every frame, in order');
});

t.test('arena: frames larger than the arena, direct frames and plain frames keep their order', async (t) => {
  const { writes, writer } = recorder();
  const expected: number[] = [];
  const push = (frame: Uint8Array) => {
    writer.push(frame);
    expected.push(...frame);
  };
  push(arenaFrame(writer, 10, 1));
  push(arenaFrame(writer, 3000, 2)); // larger than the first arena
  push(new Uint8Array([3, 3, 3])); // a frame not from the arena
  push(arenaFrame(writer, 5, 4));
  const big = arenaFrame(writer, 20_000, 5); // past DIRECT: its own Buffer, written as it is
  t.notOk(big.buffer === writer.alloc(1).buffer && big.length < 16 * 1024, 'a large frame is not an arena frame');
  push(big);
  t.ok(writes[writes.length - 1] === big, 'the large frame is written as it is, right after the batch before it');
  push(arenaFrame(writer, 6, 6));
  const unpushed = arenaFrame(writer, 8, 7); // allocated, never pushed (encoding failed, or compressed instead)
  push(arenaFrame(writer, 9, 8)); // after a gap in the arena
  push(new Uint8Array([9]));
  await tick();
  t.same(
    writes.flatMap((w) => [...w]),
    expected,
    'every frame, in order, the unpushed one left out',
  );
  t.ok(
    unpushed.every((b) => b === 7),
    'the unpushed frame was not handed out again',
  );
});

t.test('arena: take() ends with the gathered frames and the last one', async (t) => {
  const { writes, writer } = recorder();
  writer.push(arenaFrame(writer, 5, 1));
  writer.push(new Uint8Array([2, 2]));
  writer.push(arenaFrame(writer, 5, 3));
  const last = arenaFrame(writer, 6, 4);
  const chunk = writer.take(last);
  t.same([...chunk!], [1, 1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4]);
  t.equal(writes.length, 0, 'nothing written: the chunk ends the stream');

  const only = recorder();
  only.writer.push(arenaFrame(only.writer, 5, 1));
  const end = only.writer.take(arenaFrame(only.writer, 5, 2));
  t.same([...end!], [1, 1, 1, 1, 1, 2, 2, 2, 2, 2], 'contiguous arena frames: one view');
  t.equal(only.writer.take(undefined), undefined, 'nothing left');

  const big = recorder();
  big.writer.push(arenaFrame(big.writer, 5, 1));
  const large = arenaFrame(big.writer, 70_000, 2);
  t.ok(big.writer.take(large) === large, 'a large last frame comes back as it is');
  t.same(
    big.writes.map((w) => [...w]),
    [[1, 1, 1, 1, 1]],
    'after the batch is written',
  );
  await tick();
  t.equal(big.writes.length, 1);
});

t.test('arena: discard() drops what is gathered; the writer goes on afterwards', async (t) => {
  const { writes, writer } = recorder();
  writer.push(arenaFrame(writer, 5, 1));
  writer.push(new Uint8Array([2]));
  writer.discard();
  await tick();
  t.equal(writes.length, 0);
  writer.push(arenaFrame(writer, 5, 3));
  await tick();
  t.same(
    writes.map((w) => [...w]),
    [[3, 3, 3, 3, 3]],
  );
});
