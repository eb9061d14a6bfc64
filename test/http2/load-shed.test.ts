// The server-wide reset budget (src/http2/load-shed.ts) on its own: which
// connection is sent away, when, and that cancellations within the budget
// never are.
import t from 'tap';
import { LoadShedder, type Sheddable } from '../../src/http2/load-shed.js';

function conn(name: string, log: string[]): Sheddable & { name: string } {
  const c = {
    name,
    resets: 0,
    resetWindow: -1,
    shed: false,
    enhanceYourCalm(why: string) {
      c.shed = true;
      log.push(`${name}: ${why}`);
    },
  };
  return c;
}

t.test('within the budget nobody is sent away', async (t) => {
  const log: string[] = [];
  const shedder = new LoadShedder(10);
  const a = conn('a', log);
  const b = conn('b', log);
  for (let i = 0; i < 5; i++) shedder.reset(a);
  for (let i = 0; i < 5; i++) shedder.reset(b);
  t.same(log, []);
});

t.test('past the budget the connection that reset most goes, then the next for each further excess', async (t) => {
  const log: string[] = [];
  const shedder = new LoadShedder(10);
  const [a, b, c] = [conn('a', log), conn('b', log), conn('c', log)];
  for (let i = 0; i < 6; i++) shedder.reset(a);
  for (let i = 0; i < 3; i++) shedder.reset(b);
  shedder.reset(c);
  t.same(log, [], '10 resets: at the budget');
  shedder.reset(b); // the 11th
  t.equal(log.length, 1);
  t.match(log[0], /^a: 6 streams reset in under a second while the server is over its budget of 10$/);
  for (let i = 0; i < 6; i++) shedder.reset(a); // a is gone: what it still does is not counted
  t.equal(log.length, 1);
  for (let i = 0; i < 6; i++) shedder.reset(c); // 4 (b) + 7 (c) = 11
  t.equal(log.length, 2);
  t.match(log[1], /^c: 7 streams/);
});

t.test('the budget is per second: a new second starts from zero', async (t) => {
  const log: string[] = [];
  const shedder = new LoadShedder(3);
  const a = conn('a', log);
  for (let i = 0; i < 3; i++) shedder.reset(a);
  await new Promise((r) => setTimeout(r, 1050));
  for (let i = 0; i < 3; i++) shedder.reset(a);
  t.same(log, [], 'three a second, twice: never over');
});

t.test('maxConcurrentCalls: admit() until the ceiling', async (t) => {
  const shedder = new LoadShedder(undefined, 2);
  t.ok(shedder.admit());
  shedder.active = 2;
  t.notOk(shedder.admit());
  shedder.active = 1;
  t.ok(shedder.admit());
  t.ok(new LoadShedder().admit(), 'no ceiling by default');
});

t.test('refuses(): nobody while the second is within the budget', async (t) => {
  const log: string[] = [];
  const shedder = new LoadShedder(10);
  const a = conn('a', log);
  for (let i = 0; i < 10; i++) shedder.reset(a);
  t.notOk(shedder.refuses(a), 'at the budget, even the connection that made every reset may open streams');
  t.notOk(shedder.refuses(conn('fresh', log)));
});

t.test('refuses(): past the budget, a connection over its share — never one that reset little', async (t) => {
  const log: string[] = [];
  const shedder = new LoadShedder(12);
  const [a, b, c, d] = [conn('a', log), conn('b', log), conn('c', log), conn('quiet', log)];
  for (let i = 0; i < 5; i++) shedder.reset(a);
  for (let i = 0; i < 5; i++) shedder.reset(b);
  shedder.reset(d); // one cancellation: a normal client
  t.notOk(shedder.refuses(a), '11 of 12: not over yet');
  for (let i = 0; i < 2; i++) shedder.reset(c); // the 13th: a (5, the first of the most) goes
  t.equal(log.length, 1);
  t.match(log[0], /^a: 5 streams/);
  t.ok(shedder.refuses(a), 'a connection sent away opens nothing more');
  // Left resetting: b 5, c 2, quiet 1 — three connections, a share of 12 / 3 = 4.
  t.ok(shedder.refuses(b), 'b, 5 resets, is over its share');
  t.notOk(shedder.refuses(c), 'c, 2, is not');
  t.notOk(shedder.refuses(d), 'the connection with one cancellation is not');
  t.notOk(shedder.refuses(conn('new', log)), 'nor one that reset nothing');
});

t.test('refuses(): a new second forgives', async (t) => {
  const log: string[] = [];
  const shedder = new LoadShedder(3);
  const [a, b] = [conn('a', log), conn('b', log)];
  for (let i = 0; i < 3; i++) shedder.reset(b);
  for (let i = 0; i < 3; i++) shedder.reset(a); // the 4th: b (3, the first of the most) goes
  t.match(log, [/^b: 3 streams/]);
  t.notOk(shedder.refuses(a), 'a, 3 resets, the only one left, is within the whole budget');
  shedder.reset(a);
  t.match(log, [/^b:/, /^a: 4 streams/], 'one more: a goes too');
  const c = conn('c', log);
  for (let i = 0; i < 4; i++) shedder.reset(c);
  t.equal(log.length, 3, 'and c, once over');
  await new Promise((r) => setTimeout(r, 1050));
  const e = conn('e', log);
  for (let i = 0; i < 3; i++) shedder.reset(e);
  t.notOk(shedder.refuses(e), 'the next second starts within the budget');
});
