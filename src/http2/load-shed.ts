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
 * - For the rest of a second in which the budget was exceeded, a connection
 *   that has reset more than an equal share of it (the budget over the
 *   connections resetting streams in this second) may open no stream: it is
 *   refused in node:http2's 'stream' event, before any call state or listener
 *   exists (`refuses`, server-connection.ts `shedStream`), and the refusal
 *   counts as one more reset. Connections that reset little are never refused:
 *   what the attack costs falls on the attackers.
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
  /** The budget was exceeded in this window: connections over their share are refused as they open streams. */
  private over = false;

  constructor(maxResetsPerSecond = DEFAULT_MAX_RESETS_PER_SECOND, maxConcurrentCalls = Infinity) {
    this.maxResetsPerSecond = maxResetsPerSecond;
    this.maxConcurrentCalls = maxConcurrentCalls;
  }

  /** A new stream may start (false: refuse it with REFUSED_STREAM). */
  admit(): boolean {
    return this.active < this.maxConcurrentCalls;
  }

  /**
   * Whether `conn` may not open a stream now: it was sent away, or this second
   * is over the budget and `conn` has reset more than its share of it. Asked
   * for every new stream; without an excess it costs one comparison.
   */
  refuses(conn: Sheddable): boolean {
    if (conn.shed) return true;
    if (!this.over) return false;
    if (this.rolled(Date.now())) return false;
    return conn.resetWindow === this.window && conn.resets * this.resetting.size > this.maxResetsPerSecond;
  }

  /** `conn`'s client reset a stream before it was answered (or opened one that `refuses` turned away). */
  reset(conn: Sheddable): void {
    if (conn.shed) return;
    this.rolled(Date.now());
    if (conn.resetWindow !== this.window) {
      conn.resetWindow = this.window;
      conn.resets = 0;
    }
    conn.resets++;
    this.resets++;
    this.resetting.add(conn);
    if (this.resets <= this.maxResetsPerSecond) return;
    this.over = true;
    let worst: Sheddable | undefined;
    for (const c of this.resetting) if (worst === undefined || c.resets > worst.resets) worst = c;
    this.resetting.delete(worst!);
    this.resets -= worst!.resets;
    worst!.enhanceYourCalm(
      `${worst!.resets} streams reset in under a second while the server is over its budget of ${this.maxResetsPerSecond}`,
    );
  }

  /** Starts a new one-second window if the current one is over; true when it did. */
  private rolled(now: number): boolean {
    if (now - this.windowStart < 1000) return false;
    this.window++;
    this.windowStart = now;
    this.resets = 0;
    this.resetting.clear();
    this.over = false;
    return true;
  }

  /** A connection is gone: it no longer counts. */
  forget(conn: Sheddable): void {
    if (this.resetting.delete(conn) && conn.resetWindow === this.window) this.resets -= conn.resets;
  }
}
