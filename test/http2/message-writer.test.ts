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
  t.same(writes.map((w) => [...w]), [[1, 1, 2]]);
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
  t.same(large.writes.map((w) => [...w]), [[1]], 'the gathered batch is written first');
  t.ok(last === big, `the large last frame comes back as it is, not copied into a new buffer (got ${last?.length} bytes)`);
  t.equal(large.writer.take(undefined), undefined, 'nothing left gathered');
  await new Promise((r) => process.nextTick(r));
  t.equal(large.writes.length, 1, 'the scheduled flush finds nothing');
});
