/**
 * A timer for a deadline, however far ahead it lies.
 *
 * setTimeout takes a signed 32-bit delay: anything past 2^31−1 ms (about 24.8
 * days) is taken as 1 ms — Node warns (TimeoutOverflowWarning), browsers say
 * nothing — so a call given a 30-day timeout would expire at once. A
 * DeadlineTimer waits at most that ceiling at a time and, when it wakes before
 * the deadline, goes back to sleep until the deadline is really here.
 *
 * setTimeout is a web API too: this runs in Node, browsers, Deno and Bun.
 * The callback and its argument are given separately (`fire(arg)`), so a
 * caller can pass a module-level function and itself: no closure per call.
 */

/** setTimeout's longest delay: 2^31−1 ms. */
export const MAX_TIMER_DELAY = 0x7fffffff;

export class DeadlineTimer<A> {
  /** Epoch milliseconds. */
  readonly deadline: number;
  private readonly fire: (arg: A) => void;
  private readonly arg: A;
  private handle: ReturnType<typeof setTimeout> | undefined;

  /** Calls `fire(arg)` once `deadline` (epoch ms) has come, unless cleared first. */
  constructor(deadline: number, fire: (arg: A) => void, arg: A) {
    this.deadline = deadline;
    this.fire = fire;
    this.arg = arg;
    this.arm();
  }

  /** Stops the timer; `fire` will not be called. */
  clear(): void {
    if (this.handle !== undefined) {
      clearTimeout(this.handle);
      this.handle = undefined;
    }
  }

  /** @internal setTimeout woke us: the deadline, or the ceiling before it. */
  wake(): void {
    this.handle = undefined;
    if (this.deadline - Date.now() > 0) this.arm();
    else this.fire(this.arg);
  }

  private arm(): void {
    const left = Math.max(0, this.deadline - Date.now());
    this.handle = setTimeout(onWake, Math.min(left, MAX_TIMER_DELAY), this);
  }
}

function onWake(timer: { wake(): void }): void {
  timer.wake();
}
