/**
 * Reconnection backoff (grpc/grpc doc/connection-backoff.md).
 *
 * After a failed connection attempt the channel waits before the next one:
 * 1 s, then 1.6 times longer each time, capped at 120 s, each wait spread by
 * ±20 % so that many clients cut off at once do not reconnect in lock-step.
 * A successful connection resets the sequence.
 */
export interface BackoffOptions {
  /** First wait, ms (default 1000). */
  initialMs?: number;
  /** Growth factor per failed attempt (default 1.6). */
  multiplier?: number;
  /** Random spread, a fraction of the wait (default 0.2: ±20 %). */
  jitter?: number;
  /** Largest wait, ms (default 120000). */
  maxMs?: number;
  /** An attempt is given at least this long to connect, ms (default 20000: MIN_CONNECT_TIMEOUT). */
  minConnectTimeoutMs?: number;
}

export class Backoff {
  readonly initialMs: number;
  readonly multiplier: number;
  readonly jitter: number;
  readonly maxMs: number;
  readonly minConnectTimeoutMs: number;
  private current: number;

  constructor(
    options: BackoffOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.initialMs = options.initialMs ?? 1000;
    this.multiplier = options.multiplier ?? 1.6;
    this.jitter = options.jitter ?? 0.2;
    this.maxMs = options.maxMs ?? 120_000;
    this.minConnectTimeoutMs = options.minConnectTimeoutMs ?? 20_000;
    this.current = this.initialMs;
  }

  /** How long the attempt starting now may take to connect: max(MIN_CONNECT_TIMEOUT, current backoff). */
  connectTimeout(): number {
    return Math.max(this.minConnectTimeoutMs, this.current);
  }

  /** The wait before the next attempt (jittered), and the sequence moves one step on. */
  next(): number {
    const base = this.current;
    this.current = Math.min(base * this.multiplier, this.maxMs);
    const spread = base * this.jitter;
    return Math.max(0, Math.round(base + (this.random() * 2 - 1) * spread));
  }

  /** After a successful connection: start again from `initialMs`. */
  reset(): void {
    this.current = this.initialMs;
  }
}
