/**
 * Retries and hedging (gRFC A6): one call, several attempts, each attempt a
 * ClientStream of its own; the caller's listener sees one call.
 *
 *   retry    attempt 1 ─▶ UNAVAILABLE (retryable) ─ wait random(0, backoff) ─▶ attempt 2 ─▶ headers: committed ─▶ …
 *            backoff = min(initialBackoff · backoffMultiplier^(n-1), maxBackoff)  ("full jitter")
 *   hedging  attempt 1 ─▶ …   hedgingDelay ─▶ attempt 2 ─▶ …   hedgingDelay ─▶ attempt 3
 *            the first to get response headers (or an OK / fatal status) wins; the others are cancelled
 *
 * - Attempts after the first carry `grpc-previous-rpc-attempts: n`.
 * - A call is *committed* to one attempt once that attempt's response headers
 *   arrive (from then on its messages and status are the call's), when it ends
 *   with a status that is not retried, or when the requests kept for a replay
 *   outgrow their limits (per call, and per channel: ChannelOptions
 *   retryBufferBytes / perCallRetryBufferBytes). Nothing is retried after.
 * - Until then every request frame is kept, and each new attempt is sent
 *   all of them (and END_STREAM, if the caller had ended) before what follows.
 * - `grpc-retry-pushback-ms` in an attempt's trailers: wait that long instead
 *   of the backoff (and start the backoff over); a negative or malformed value
 *   means "do not retry".
 * - The channel's retry throttle (retry-throttle.ts) can veto a retry or hedge.
 * - One deadline and one cancellation cover every attempt: the deadline runs
 *   through backoff waits too, `cancel()` and the signal end all attempts.
 * - Below this, each ClientStream still does its transparent retry (a stream
 *   refused unprocessed is sent again without counting as an attempt).
 */
import { Code, codeName } from '../wire/grpc/code.js';
import { DeadlineTimer } from '../wire/grpc/deadline-timer.js';
import { GrpcError } from '../wire/grpc/error.js';
import { Metadata } from '../wire/grpc/metadata.js';
import type { Channel } from './channel.js';
import {
  ClientStream,
  type ClientStreamListener,
  type ClientStreamOptions,
  type OutgoingCall,
} from './client-stream.js';
import { allocFrame } from './message-writer.js';
import { cancelledError } from './response-status.js';
import type { HedgingPolicy, RetryPolicy } from './service-config.js';
import { traceAttempts, tracing } from './trace.js';

/** A call's policy: retry one attempt at a time, or hedge several at once. */
export type AttemptPolicy = { readonly retry: RetryPolicy } | { readonly hedging: HedgingPolicy };

const PUSHBACK = 'grpc-retry-pushback-ms';

/** One attempt: its stream's events, tagged with the attempt they belong to. */
class Attempt implements ClientStreamListener {
  stream!: ClientStream;
  constructor(
    private readonly call: RetryingCall,
    /** 0 for the first attempt. */
    readonly index: number,
  ) {}

  onHeaders(headers: Metadata): void {
    this.call.attemptHeaders(this, headers);
  }

  onMessage(data: Uint8Array, compressed: boolean): void {
    this.call.attemptMessage(this, data, compressed);
  }

  onStatus(error: GrpcError | undefined, trailers: Metadata): void {
    this.call.attemptEnded(this, error, trailers);
  }
}

export class RetryingCall implements OutgoingCall {
  finished = false;
  private readonly maxAttempts: number;
  private readonly deadline: number | undefined;
  private readonly signal: AbortSignal | undefined;
  /** Options for every attempt's stream: the call's, without the signal (ours) and with the attempt count. */
  private readonly attemptOptions: ClientStreamOptions;
  /** Attempts still running. */
  private readonly running: Attempt[] = [];
  private started = 0;
  private committed: Attempt | undefined;
  /** Request frames kept for replay, until the call commits. */
  private frames: Uint8Array[] = [];
  private bufferedBytes = 0;
  private halfClosed = false;
  /** Hedging: no more attempts (a fatal status came, or a pushback said stop). */
  private noMore = false;
  /** The next retry's backoff ceiling (retry policy only). */
  private backoffMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private deadlineTimer: DeadlineTimer<RetryingCall> | undefined;
  private paused = false;
  /** One attempt the server never processed was sent again without counting (transparent retry). */
  private transparentRetried = false;
  /** The status of the last attempt that ended, reported if no attempt is left to try. */
  private lastError: GrpcError | undefined;

  constructor(
    readonly channel: Channel,
    readonly path: string,
    private readonly listener: ClientStreamListener,
    options: ClientStreamOptions,
    private readonly policy: AttemptPolicy,
    private readonly random: () => number = Math.random,
  ) {
    this.maxAttempts = 'retry' in policy ? policy.retry.maxAttempts : policy.hedging.maxAttempts;
    if ('retry' in policy) this.backoffMs = policy.retry.initialBackoffMs;
    this.deadline = options.deadline;
    this.signal = options.signal;
    this.attemptOptions = { ...options, signal: undefined };
  }

  /** Where to frame streamed requests: frames of their own (they are kept for replays). */
  get frameAllocator(): (length: number) => Uint8Array {
    return allocFrame;
  }

  start(): void {
    if (this.deadline !== undefined) {
      if (this.deadline <= Date.now()) {
        this.finish(
          new GrpcError(Code.DEADLINE_EXCEEDED, this.describe('deadline exceeded before the call started')),
          new Metadata(),
        );
        return;
      }
      this.deadlineTimer = new DeadlineTimer<RetryingCall>(this.deadline, onDeadline, this);
    }
    if (this.signal !== undefined) {
      if (this.signal.aborted) {
        this.finish(cancelledError(this.signal.reason), new Metadata());
        return;
      }
      this.signal.addEventListener('abort', this);
    }
    this.startAttempt();
  }

  sendFrame(frame: Uint8Array): Promise<void> | undefined {
    if (this.finished) return undefined;
    const committed = this.committed;
    if (committed !== undefined) return committed.stream.sendFrame(frame);
    this.keep(frame);
    if (this.finished) return undefined; // over the limit between attempts: the last status stands
    if (this.committed !== undefined) return this.committed.stream.sendFrame(frame); // the limit was passed
    let wait: Promise<void> | undefined;
    for (const attempt of this.running) wait = attempt.stream.sendFrame(frame) ?? wait;
    return wait;
  }

  sendLastFrame(frame: Uint8Array): void {
    if (this.finished) return;
    const committed = this.committed;
    if (committed !== undefined) {
      committed.stream.sendLastFrame(frame);
      return;
    }
    this.keep(frame);
    if (this.finished) return;
    this.halfClosed = true;
    if (this.committed !== undefined) this.committed.stream.sendLastFrame(frame);
    else for (const attempt of [...this.running]) attempt.stream.sendLastFrame(frame);
  }

  end(): void {
    if (this.finished) return;
    this.halfClosed = true;
    const committed = this.committed;
    if (committed !== undefined) committed.stream.end();
    else for (const attempt of [...this.running]) attempt.stream.end();
  }

  cancel(error: GrpcError = new GrpcError(Code.CANCELLED, 'call cancelled by the client')): void {
    if (this.finished) return;
    this.finish(error, error.metadata);
  }

  pause(): void {
    this.paused = true;
    for (const attempt of this.running) attempt.stream.pause();
  }

  resume(): void {
    this.paused = false;
    for (const attempt of this.running) attempt.stream.resume();
  }

  describe(cause: string): string {
    return `${cause} (target ${this.channel.target.text}, method ${this.path})`;
  }

  /** @internal AbortSignal listener. */
  handleEvent(): void {
    this.cancel(cancelledError(this.signal?.reason));
  }

  /** @internal The deadline passed: in an attempt or between two, the call is over. */
  expire(): void {
    if (this.finished) return;
    const tried = this.started === 1 ? '1 attempt' : `${this.started} attempts`;
    this.cancel(new GrpcError(Code.DEADLINE_EXCEEDED, this.describe(`deadline exceeded (${tried})`)));
  }

  // ── attempts ────────────────────────────────────────────────────────────────

  /** @internal */
  attemptHeaders(attempt: Attempt, headers: Metadata): void {
    if (this.finished) return;
    if (this.committed === undefined) this.commit(attempt);
    if (this.committed === attempt) this.listener.onHeaders(headers);
  }

  /** @internal */
  attemptMessage(attempt: Attempt, data: Uint8Array, compressed: boolean): void {
    if (!this.finished && this.committed === attempt) this.listener.onMessage(data, compressed);
  }

  /** @internal An attempt's stream ended: the call's status, or another attempt. */
  attemptEnded(attempt: Attempt, error: GrpcError | undefined, trailers: Metadata): void {
    const at = this.running.indexOf(attempt);
    if (at >= 0) this.running.splice(at, 1);
    if (this.finished) return;
    if (this.committed !== undefined) {
      if (this.committed === attempt) this.finish(error, trailers);
      return; // a losing hedge, cancelled
    }
    if (error === undefined) {
      this.finish(undefined, trailers); // OK without headers (Trailers-Only): this attempt is the call's
      return;
    }
    if (attempt.stream.unprocessed && !this.transparentRetried && this.running.length === 0) {
      // Refused unprocessed (a streaming attempt its stream could not replay): again, as the same attempt.
      this.transparentRetried = true;
      this.startAttempt(attempt.index);
      return;
    }
    this.lastError = error;
    const pushback = pushbackOf(error.metadata);
    if (tracing) this.trace(`attempt ${attempt.index + 1} ended ${codeName(error.code)}`);
    if ('retry' in this.policy) this.retryAfter(this.policy.retry, error, pushback);
    else this.hedgeAfter(this.policy.hedging, error, pushback);
  }

  private retryAfter(policy: RetryPolicy, error: GrpcError, pushback: number | 'stop' | undefined): void {
    const throttle = this.channel.retryThrottle;
    if (!policy.retryableStatusCodes.has(error.code)) {
      this.finish(error, error.metadata);
      return;
    }
    throttle?.failure();
    if (pushback === 'stop' || this.started >= this.maxAttempts || (throttle !== undefined && !throttle.allowed)) {
      this.finish(error, error.metadata);
      return;
    }
    let delay: number;
    if (pushback !== undefined) {
      delay = pushback;
      this.backoffMs = policy.initialBackoffMs; // after a pushback the backoff starts over
    } else {
      delay = this.random() * this.backoffMs; // full jitter: anywhere in [0, backoff)
      this.backoffMs = Math.min(this.backoffMs * policy.backoffMultiplier, policy.maxBackoffMs);
    }
    this.schedule(delay);
  }

  private hedgeAfter(policy: HedgingPolicy, error: GrpcError, pushback: number | 'stop' | undefined): void {
    if (!policy.nonFatalStatusCodes.has(error.code)) {
      this.finish(error, error.metadata); // fatal: every other attempt is cancelled
      return;
    }
    this.channel.retryThrottle?.failure();
    if (pushback === 'stop') {
      this.noMore = true;
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (pushback !== undefined && this.started < this.maxAttempts) {
      this.schedule(pushback); // the server says when the next hedge may go
    }
    // Otherwise the hedging delay goes on as it was; with nothing left to wait for, the call is over.
    if (this.running.length === 0 && this.timer === undefined) this.finish(error, error.metadata);
  }

  /** The next attempt in `delay` ms (a retry's backoff, a hedge's delay, a pushback). */
  private schedule(delay: number): void {
    if (tracing) this.trace(`attempt ${this.started + 1} in ${delay.toFixed(1)} ms`);
    clearTimeout(this.timer);
    this.timer = setTimeout(onTimer, delay, this);
  }

  /** @internal The backoff or hedging delay elapsed. */
  next(): void {
    this.timer = undefined;
    if (this.finished) return;
    if (this.started >= this.maxAttempts || this.noMore || this.channel.getState() === 'shutdown') {
      if (this.running.length === 0) this.finish(this.lastError!, this.lastError!.metadata);
      return;
    }
    const throttle = this.channel.retryThrottle;
    if (this.started > 0 && throttle !== undefined && !throttle.allowed) {
      if (this.running.length === 0) this.finish(this.lastError!, this.lastError!.metadata);
      return;
    }
    this.startAttempt();
  }

  private startAttempt(index = this.started): void {
    const attempt = new Attempt(this, index);
    const options: ClientStreamOptions =
      attempt.index === 0 ? this.attemptOptions : { ...this.attemptOptions, previousAttempts: attempt.index };
    const stream = new ClientStream(this.channel, this.path, attempt, options);
    attempt.stream = stream;
    if (index === this.started) this.started++;
    this.running.push(attempt);
    if (this.paused) stream.pause();
    // A hedge schedules the next one now, so that an attempt that fails at once does not leave the call waiting.
    if ('hedging' in this.policy && this.committed === undefined && this.started < this.maxAttempts && !this.noMore)
      this.schedule(this.policy.hedging.hedgingDelayMs);
    stream.start(); // may end the attempt at once (no connection to be had): attemptEnded has run then
    if (stream.finished) return;
    const frames = this.frames;
    if (this.halfClosed && frames.length === 1 && this.committed === undefined) {
      stream.sendLastFrame(frames[0]!);
      return;
    }
    for (const frame of frames) void stream.sendFrame(frame);
    if (this.halfClosed) stream.end();
  }

  /** Keeps a request frame for later attempts; past the buffer limits, the call commits. */
  private keep(frame: Uint8Array): void {
    const length = frame.length;
    if (!this.channel.retryBuffer.take(length, this.bufferedBytes)) {
      // Too much to keep: the attempt running now (the oldest) is the call's. With none (waiting
      // between attempts), committing means there is no next one: the last status is the call's.
      const oldest = this.running[0];
      if (oldest !== undefined) this.commit(oldest);
      else {
        const last = this.lastError ?? new GrpcError(Code.RESOURCE_EXHAUSTED, this.describe('retry buffer full'));
        this.finish(last, last.metadata);
      }
      return;
    }
    this.frames.push(frame);
    this.bufferedBytes += length;
  }

  /** From now on `attempt` is the call: the others are cancelled, nothing is kept for replays. */
  private commit(attempt: Attempt): void {
    this.committed = attempt;
    if (tracing) this.trace(`committed to attempt ${attempt.index + 1}`);
    clearTimeout(this.timer);
    this.timer = undefined;
    this.release();
    for (const other of [...this.running]) {
      if (other !== attempt) other.stream.cancel(new GrpcError(Code.CANCELLED, 'another hedged attempt won'));
    }
  }

  /** WIREGRPC_TRACE=1: the call's decisions between attempts (trace.ts). */
  private trace(text: string): void {
    traceAttempts(this.path, text);
  }

  private release(): void {
    this.channel.retryBuffer.give(this.bufferedBytes);
    this.bufferedBytes = 0;
    this.frames = [];
  }

  private finish(error: GrpcError | undefined, trailers: Metadata): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.deadlineTimer?.clear();
    this.signal?.removeEventListener('abort', this);
    this.release();
    if (error === undefined) this.channel.retryThrottle?.success();
    const cancel = error ?? new GrpcError(Code.CANCELLED, 'the call is over');
    for (const attempt of [...this.running]) attempt.stream.cancel(cancel);
    this.running.length = 0;
    this.listener.onStatus(error, trailers);
  }
}

/** `grpc-retry-pushback-ms`: ms to wait, `'stop'` for a negative or malformed value, undefined when absent. */
function pushbackOf(trailers: Metadata): number | 'stop' | undefined {
  const value = trailers.get(PUSHBACK);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value)) return 'stop';
  return Number(value);
}

function onDeadline(call: RetryingCall): void {
  call.expire();
}

function onTimer(call: RetryingCall): void {
  call.next();
}
