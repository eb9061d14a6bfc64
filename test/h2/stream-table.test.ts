// The stream table's memory of closed streams (RFC 9113 §5.1): how each of the last 1,024 closed, so that late
// frames are judged by it; older ones read as reset by us (their frames are ignored), never as idle.
import t from 'tap';
import { StreamTable } from '../../src/h2/stream-table.js';

t.test('the last 1,024 closed streams keep how they closed, oldest forgotten first', async (t) => {
  const table = new StreamTable('server');
  const ids: number[] = [];
  for (let i = 0; i < 1500; i++) ids.push(2 * i + 1);
  for (const id of ids) {
    table.lastPeerId = id;
    table.remember(id, id % 4 === 1 ? 'closed' : 'closed (reset received)');
  }
  const kept = ids.slice(-1024);
  for (const id of kept) t.equal(table.stateOf(id), id % 4 === 1 ? 'closed' : 'closed (reset received)', `${id}`);
  const forgotten = ids.slice(0, ids.length - 1024);
  t.ok(
    forgotten.every((id) => table.stateOf(id) === 'closed (reset sent)'),
    'the older ones read as reset by us',
  );
  t.equal(table.stateOf(3001), 'idle', 'an id above the last one opened is idle');
});

t.test('an id the peer skipped is told apart from one forgotten', async (t) => {
  const table = new StreamTable('server');
  for (let i = 0; i < 1100; i++) {
    const id = 4 * i + 1; // 3, 7, 11, ... are never opened
    table.lastPeerId = id;
    table.remember(id, 'closed');
  }
  t.equal(table.skipped(4 * 1099 - 1), true, 'a skipped id among the remembered ones is skipped (§5.1.1)');
  t.equal(table.skipped(4 * 1099 + 1), false, 'a remembered one is not');
  t.equal(table.skipped(3), false, 'below what was forgotten, nothing can be told: not skipped');
});
