// A deadline timer waits in steps of at most setTimeout's ceiling (2^31-1 ms): a longer delay
// would be taken as 1 ms by setTimeout (Node warns, browsers fire at once).
import t from 'tap';
import { DeadlineTimer, MAX_TIMER_DELAY } from '../../../src/wire/grpc/deadline-timer.js';

t.test(
  'a deadline 30 days ahead: armed at the ceiling, re-armed on waking early, fired once it has come',
  async (t) => {
    const realSetTimeout = globalThis.setTimeout;
    const realNow = Date.now;
    let now = 1_000_000;
    const armed: { delay: number; wake: () => void }[] = [];
    globalThis.setTimeout = ((fn: (arg: unknown) => void, delay: number, arg: unknown) => {
      armed.push({ delay, wake: () => fn(arg) });
      return armed.length as unknown as ReturnType<typeof setTimeout>;
    }) as typeof setTimeout;
    Date.now = () => now;
    t.teardown(() => {
      globalThis.setTimeout = realSetTimeout;
      Date.now = realNow;
    });

    const days30 = 30 * 24 * 3600 * 1000;
    const fired: string[] = [];
    new DeadlineTimer(now + days30, (what: string) => fired.push(what), 'expired');
    t.same(
      armed.map((a) => a.delay),
      [MAX_TIMER_DELAY],
      'first step: the ceiling, not 30 days',
    );

    now += MAX_TIMER_DELAY;
    armed[0]!.wake();
    t.same(fired, [], 'woken before the deadline: not fired');
    t.same(
      armed.map((a) => a.delay),
      [MAX_TIMER_DELAY, days30 - MAX_TIMER_DELAY],
      'armed again for what is left',
    );

    now += days30 - MAX_TIMER_DELAY;
    armed[1]!.wake();
    t.same(fired, ['expired'], 'fired at the deadline, with its argument');
    t.equal(armed.length, 2);
  },
);

t.test('real timers: a short deadline fires, a cleared one does not', async (t) => {
  const fired: string[] = [];
  new DeadlineTimer(Date.now() + 20, (what: string) => fired.push(what), 'short');
  const cleared = new DeadlineTimer(Date.now() + 20, (what: string) => fired.push(what), 'cleared');
  cleared.clear();
  new DeadlineTimer(Date.now() - 5, (what: string) => fired.push(what), 'past');
  await new Promise((r) => setTimeout(r, 60));
  t.same(fired.sort(), ['past', 'short']);
});
