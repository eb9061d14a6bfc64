// The connection's output (src/h2/output.ts): the frames of a tick in one run, each run handed over
// once and never written again, and a quiet connection holding no large slab.
import t from 'tap';
import { FrameOutput } from '../../src/h2/output.js';
import { FrameReader } from '../../src/h2/frame-reader.js';
import { FrameType, type Frame } from '../../src/h2/frame.js';

function collect(): { runs: Uint8Array[]; copies: Uint8Array[]; out: FrameOutput } {
  const runs: Uint8Array[] = [];
  const copies: Uint8Array[] = [];
  const out = new FrameOutput((run) => {
    runs.push(run);
    copies.push(run.slice());
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
    runs[0]!,
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
    runs.every((r, i) => Buffer.from(r).equals(copies[i]!)),
    'every run still holds the bytes it had when it was handed over',
  );
});

t.test('a connection gone quiet lets a busy tick’s slab go', async (t) => {
  const { out } = collect();
  out.data(1, new Uint8Array(40_000), false);
  await Promise.resolve();
  out.ping(new Uint8Array(8), true);
  await Promise.resolve();
  t.equal(out.retained, 0, 'after a small tick, no slab is held');
  out.ping(new Uint8Array(8), true);
  await Promise.resolve();
  t.ok(out.retained <= 1024, `the next slab is small (${out.retained} bytes)`);
});
