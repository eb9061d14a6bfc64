/**
 * What a server allows a client to cost it, beyond the protocol's own limits:
 *
 *   PingStrikes   gRFC A8 keepalive enforcement: a PING sooner than `minIntervalMs`
 *                 after the last one (or, with no call open and `permitWithoutCalls`
 *                 false, sooner than two hours) is a strike; more than `maxStrikes`
 *                 and the connection gets GOAWAY ENHANCE_YOUR_CALM `too_many_pings`.
 *                 Sending HEADERS or DATA forgives: the next PING starts afresh
 *                 (a client pinging an active call is not abusive).
 *   ResetBudget   rapid reset (CVE-2023-44487): streams the client opens and resets
 *                 before we answered, counted per second; over the budget the
 *                 connection gets GOAWAY ENHANCE_YOUR_CALM `too_many_resets`.
 *
 * Both take a clock so tests need not sleep.
 */

/** gRFC A8, server side. */
export interface PingPolicy {
  /** Least time between the client's PINGs while calls are open. */
  minIntervalMs: number;
  /** Whether PINGs are allowed (at that pace) while no call is open; when false, any second PING within 2 h strikes. */
  permitWithoutCalls: boolean;
  /** Strikes allowed; one more ends the connection. grpc-go: 2. */
  maxStrikes: number;
}

/** gRFC A8: with no calls open and permitWithoutCalls false, PINGs closer than this strike. */
const IDLE_PING_INTERVAL_MS = 2 * 60 * 60 * 1000;

export class PingStrikes {
  private last: number | undefined;
  private strikes = 0;
  private forgiven = false;

  constructor(
    private readonly policy: PingPolicy,
    private readonly now: () => number,
  ) {}

  /** We sent HEADERS or DATA: the next PING is not held against the peer. */
  sent(): void {
    this.forgiven = true;
  }

  /** A PING (not an ACK) arrived; true: too many, GOAWAY. */
  ping(openCalls: number): boolean {
    const now = this.now();
    const last = this.last;
    this.last = now;
    if (this.forgiven) {
      this.forgiven = false;
      this.strikes = 0;
      return false;
    }
    if (last === undefined) return false;
    const min = openCalls === 0 && !this.policy.permitWithoutCalls ? IDLE_PING_INTERVAL_MS : this.policy.minIntervalMs;
    if (now - last < min) this.strikes++;
    return this.strikes > this.policy.maxStrikes;
  }
}

/** Streams reset by the peer before we finished them, over a sliding second. */
export class ResetBudget {
  private windowStart = 0;
  private count = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {}

  /** One more early reset; true: over the budget. */
  reset(): boolean {
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.count = 0;
    }
    return ++this.count > this.perSecond;
  }
}
