/**
 * Load shedding across connections: the server-wide budgets that keep calls
 * on well-behaved connections fast while others misbehave.
 *
 * - Resets (the distributed rapid reset, CVE-2023-44487): streams a client
 *   opens and resets before we answer. Each one still costs us a stream, a
 *   call and a handler start. nghttp2 bounds them per connection; spread over
 *   many connections they stay under that bound. So they are counted here for
 *   the whole server, per second: past `maxResetsPerSecond`, the connection
 *   that reset most in this second gets GOAWAY ENHANCE_YOUR_CALM and is
 *   closed, and again for each further excess.
 * - Concurrent calls (optional, `maxConcurrentCalls`): past it, a new stream is
 *   refused with RST_STREAM(REFUSED_STREAM), which clients retry transparently
 *   (the call never started).
 */
export const DEFAULT_MAX_RESETS_PER_SECOND = 1000;

/** What the budget acts on: one connection. */
export interface Sheddable {
  /** Resets counted in window `resetWindow`. */
  resets: number;
  resetWindow: number;
  /** Already sent away. */
  readonly shed: boolean;
  /** GOAWAY ENHANCE_YOUR_CALM, then closed. */
  enhanceYourCalm(why: string): void;
}

export class LoadShedder {
  /** Calls running now, server-wide. */
  active = 0;
  readonly maxConcurrentCalls: number;
  private readonly maxResetsPerSecond: number;
  private window = 0;
  private windowStart = 0;
  private resets = 0;
  /** Connections that reset streams in this window. */
  private readonly resetting = new Set<Sheddable>();

  constructor(maxResetsPerSecond = DEFAULT_MAX_RESETS_PER_SECOND, maxConcurrentCalls = Infinity) {
    this.maxResetsPerSecond = maxResetsPerSecond;
    this.maxConcurrentCalls = maxConcurrentCalls;
  }

  /** A new stream may start (false: refuse it with REFUSED_STREAM). */
  admit(): boolean {
    return this.active < this.maxConcurrentCalls;
  }

  /** `conn`'s client reset a stream before it was answered. */
  reset(conn: Sheddable): void {
    if (conn.shed) return;
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.window++;
      this.windowStart = now;
      this.resets = 0;
      this.resetting.clear();
    }
    if (conn.resetWindow !== this.window) {
      conn.resetWindow = this.window;
      conn.resets = 0;
    }
    conn.resets++;
    this.resets++;
    this.resetting.add(conn);
    if (this.resets <= this.maxResetsPerSecond) return;
    let worst: Sheddable | undefined;
    for (const c of this.resetting) if (worst === undefined || c.resets > worst.resets) worst = c;
    this.resetting.delete(worst!);
    this.resets -= worst!.resets;
    worst!.enhanceYourCalm(
      `${worst!.resets} streams reset in under a second while the server is over its budget of ${this.maxResetsPerSecond}`,
    );
  }

  /** A connection is gone: it no longer counts. */
  forget(conn: Sheddable): void {
    if (this.resetting.delete(conn) && conn.resetWindow === this.window) this.resets -= conn.resets;
  }
}
