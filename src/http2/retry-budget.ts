/**
 * What a channel allows its calls' retries and hedges (gRFC A6), so that a
 * struggling server is not buried in retries by every client at once:
 *
 * RetryThrottle ("Throttling Retry Attempts and Hedged RPCs"): one token
 * bucket per channel — per target:
 *
 *   tokens start at maxTokens
 *   an attempt fails with a retryable / non-fatal code   tokens -= 1           (not below 0)
 *   a call succeeds                                      tokens += tokenRatio  (not above maxTokens)
 *   retries and hedges go out only while                 tokens > maxTokens / 2
 *
 * A call always gets its first attempt.
 *
 * RetryBuffer: the request bytes calls keep for replays, per call and per
 * channel; past either limit a call commits to its current attempt.
 */
import type { RetryThrottling } from './service-config.js';

export class RetryThrottle {
  private readonly maxTokens: number;
  private readonly tokenRatio: number;
  /** Kept in thousandths: tokenRatio has at most three decimals in the spec, and sums stay exact. */
  private milliTokens: number;

  constructor(config: RetryThrottling) {
    this.maxTokens = config.maxTokens;
    this.tokenRatio = config.tokenRatio;
    this.milliTokens = config.maxTokens * 1000;
  }

  get tokens(): number {
    return this.milliTokens / 1000;
  }

  /** May a retry or hedge go out now? */
  get allowed(): boolean {
    return this.milliTokens > this.maxTokens * 500;
  }

  failure(): void {
    this.milliTokens = Math.max(0, this.milliTokens - 1000);
  }

  success(): void {
    this.milliTokens = Math.min(this.maxTokens * 1000, this.milliTokens + Math.round(this.tokenRatio * 1000));
  }
}

/** Bytes kept for replays, counted per channel: past its limit, calls commit instead of keeping more. */
export class RetryBuffer {
  private used = 0;
  constructor(
    readonly channelLimit: number,
    readonly callLimit: number,
  ) {}

  /** Room for `length` more bytes of a call that keeps `callBytes` already? Taken if so. */
  take(length: number, callBytes: number): boolean {
    if (callBytes + length > this.callLimit || this.used + length > this.channelLimit) return false;
    this.used += length;
    return true;
  }

  give(length: number): void {
    this.used -= length;
  }

  get bytes(): number {
    return this.used;
  }
}
