/**
 * One client stream of wiregrpc's own HTTP/2, as a call sees it
 * (ClientSessionStream in h2-client-session.ts): an H2Stream (src/h2/stream.ts)
 * told in node:http2's terms.
 *
 *   H2Stream.onHeaders(first block)          → 'response'(headers, flags)   (1xx blocks skipped)
 *   H2Stream.onHeaders(block, END_STREAM)    → 'trailers'(trailers), 'end'
 *   H2Stream.onData(chunk, endStream)        → 'data'(chunk), then 'end' with END_STREAM
 *   H2Stream.onReset(code)                   → rstCode = code, 'close'
 *   H2Stream.onClose (the normal end)        → 'close' (if both directions were not over already)
 *   H2Stream.onDrain                         → 'drain'
 *   opened on the connection (an id)         → 'ready' (the tracer's: it has its id, the HEADERS are queued)
 *
 * 'close' comes once both directions are over: the response ended and our END_STREAM
 * left, or a reset either way. A stream may wait for a slot under the server's
 * MAX_CONCURRENT_STREAMS (`pending`, no id): what it writes meanwhile is kept and
 * goes out when it opens.
 */
import { ErrorCode } from '../h2/errors.js';
import type { H2Stream } from '../h2/stream.js';
import type { HeaderRecord } from '../wire/grpc/metadata.js';
import { headerRecord } from './h2-client-headers.js';
import type { ClientSessionStream, ReceivedHeaders } from './h2-client-session.js';

/** The HEADERS frame's END_STREAM flag, as node:http2 passes it with 'response'. */
const FLAG_END_STREAM = 0x1;
/** Bytes a waiting stream takes before write() asks the caller to wait (node:http2's stream mark). */
const PENDING_MARK = 16 * 1024;

/** The session a stream belongs to (H2ClientSession). */
export interface StreamOwner {
  openStream(stream: H2ClientStream): void;
  streamClosed(): void;
  forget(stream: H2ClientStream): void;
  /** The connection went (told before the streams it cut off close). */
  connectionLost(error: Error): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- listeners of every event, stored and called with their own arguments
type AnyListener = (this: H2ClientStream, ...args: any[]) => void;

/** `first`, then `next` (same `this`, same arguments); just `next` if there is no first. */
function also<L extends AnyListener>(first: L | undefined, next: AnyListener): L {
  if (first === undefined) return next as L;
  return function (this: H2ClientStream, ...args: unknown[]) {
    first.apply(this, args);
    next.apply(this, args);
  } as L;
}

export class H2ClientStream implements ClientSessionStream {
  closed = false;
  destroyed = false;
  rstCode: number | undefined;
  resetByUs = false;
  writableEnded = false;
  writableFinished = false;
  private h2: H2Stream | undefined;
  private responded = false;
  private responseEnded = false;
  private paused = false;
  /** Written while waiting for a slot. */
  private queued: Uint8Array[] | undefined;
  private queuedBytes = 0;

  // The listeners, called as methods: `this` is the stream, as node:http2 does (client-stream.ts relies on it).
  private onResponse: ((this: H2ClientStream, headers: ReceivedHeaders, flags: number) => void) | undefined;
  private onTrailers: ((this: H2ClientStream, trailers: HeaderRecord) => void) | undefined;
  private onData: ((this: H2ClientStream, chunk: Uint8Array) => void) | undefined;
  private onEnd: ((this: H2ClientStream) => void) | undefined;
  private onClose: ((this: H2ClientStream) => void) | undefined;
  private onDrain: ((this: H2ClientStream) => void) | undefined;
  private onReady: ((this: H2ClientStream) => void) | undefined;

  /**
   * @internal The H2Stream ended normally: both END_STREAMs, or the server's RST_STREAM(NO_ERROR) after the
   * whole response (RFC 9113 §8.1: it needs no more of the request). 'close', if not told already.
   */
  closedIn(): void {
    if (!this.closed) this.over(ErrorCode.NO_ERROR);
  }

  /** @internal The H2Stream's window or the socket opened again. */
  drained(): void {
    this.onDrain?.();
  }

  constructor(
    private readonly owner: StreamOwner,
    /** The request headers, flat (h2-client-headers.ts). */
    readonly headers: readonly string[],
  ) {}

  get id(): number | undefined {
    return this.h2?.id;
  }

  get pending(): boolean {
    return this.h2 === undefined;
  }

  get writableLength(): number {
    return this.h2 === undefined ? this.queuedBytes : this.h2.bufferedBytes;
  }

  on(event: 'response', listener: (headers: ReceivedHeaders, flags: number) => void): this;
  on(event: 'trailers', listener: (trailers: HeaderRecord) => void): this;
  on(event: 'data', listener: (chunk: Uint8Array) => void): this;
  on(event: 'end' | 'close' | 'drain' | 'ready' | 'error', listener: () => void): this;
  on(event: string, listener: (...args: never[]) => void): this {
    // One listener is the rule (the call's); a second one (the tracer's, trace.ts) runs after it.
    const l = listener as AnyListener;
    switch (event) {
      case 'response':
        this.onResponse = also(this.onResponse, l);
        break;
      case 'trailers':
        this.onTrailers = also(this.onTrailers, l);
        break;
      case 'data':
        this.onData = also(this.onData, l);
        break;
      case 'end':
        this.onEnd = also(this.onEnd, l);
        break;
      case 'close':
        this.onClose = also(this.onClose, l);
        break;
      case 'drain':
        this.onDrain = also(this.onDrain, l);
        break;
      case 'ready':
        this.onReady = also(this.onReady, l);
        break;
      default: // 'error': every failure is a reset or a lost connection, told by 'close' and rstCode
        break;
    }
    return this;
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed || this.writableEnded) return false;
    const h2 = this.h2;
    if (h2 === undefined) {
      (this.queued ??= []).push(chunk);
      this.queuedBytes += chunk.length;
      return this.queuedBytes < PENDING_MARK;
    }
    return h2.write(chunk);
  }

  end(chunk?: Uint8Array): void {
    if (this.closed || this.writableEnded) return;
    this.writableEnded = true;
    const h2 = this.h2;
    if (h2 === undefined) {
      if (chunk !== undefined) (this.queued ??= []).push(chunk);
      return;
    }
    if (chunk !== undefined && chunk.length > 0) h2.write(chunk, true);
    else h2.end();
    this.writableFinished = true;
    if (this.responseEnded) this.over(ErrorCode.NO_ERROR);
  }

  /** RST_STREAM(code), unless the stream is over already. */
  close(code: number = ErrorCode.NO_ERROR): void {
    if (this.closed) return;
    const h2 = this.h2;
    if (h2 === undefined) this.owner.forget(this);
    else h2.reset(code);
    this.over(code);
  }

  destroy(): void {
    this.close(ErrorCode.CANCEL);
  }

  pause(): void {
    this.paused = true;
    this.h2?.pause();
  }

  resume(): void {
    this.paused = false;
    this.h2?.resume();
  }

  /** @internal The session opened the stream: listen, and send what waited. */
  opened(h2: H2Stream): void {
    this.h2 = h2;
    // Module-level handlers (`this` is the H2Stream, which points back here): no closures per stream.
    (h2 as Linked)[kStream] = this;
    h2.onHeaders = onHeaders;
    h2.onData = onData;
    h2.onReset = onReset;
    h2.onDrain = onDrain;
    h2.onClose = onClosed;
    if (this.paused) h2.pause();
    // It has its id and its HEADERS are queued: told before what was kept is written behind them.
    this.onReady?.();
    const queued = this.queued;
    if (queued !== undefined) {
      this.queued = undefined;
      this.queuedBytes = 0;
      for (let i = 0; i < queued.length; i++) {
        const last = this.writableEnded && i === queued.length - 1;
        h2.write(queued[i]!, last);
      }
      if (this.writableEnded) this.writableFinished = true;
    }
    if (this.writableEnded && !this.writableFinished) {
      h2.end();
      this.writableFinished = true;
    }
  }

  /** @internal The stream could not be opened (the connection went, or refused it before sending): it never left. */
  refused(_error: Error): void {
    if (this.closed) return;
    this.queued = undefined;
    this.queuedBytes = 0;
    this.over(ErrorCode.REFUSED_STREAM);
  }

  /** @internal */
  headersIn(headers: readonly string[], endStream: boolean): void {
    if (this.closed) return;
    if (!this.responded) {
      const record = headerRecord(headers);
      const status = record[':status'];
      if (status !== undefined && status >= 100 && status < 200 && !endStream) return; // informational (RFC 9110 §15.2)
      this.responded = true;
      this.onResponse?.(record, endStream ? FLAG_END_STREAM : 0);
    } else {
      this.onTrailers?.(headerRecord(headers));
    }
    if (endStream) this.responseEnd();
  }

  /** @internal */
  dataIn(chunk: Uint8Array, endStream: boolean): void {
    if (this.closed) return;
    if (chunk.length > 0) this.onData?.(chunk);
    if (endStream) this.responseEnd();
  }

  private responseEnd(): void {
    if (this.responseEnded || this.closed) return;
    this.responseEnded = true;
    this.onEnd?.();
    if (this.writableFinished) this.over(ErrorCode.NO_ERROR);
  }

  /** @internal A reset either way; `connectionError`: the connection went, and the call must hear it as such (UNAVAILABLE). */
  /** @internal */
  resetIn(code: number, byPeer: boolean, connectionError: Error | undefined): void {
    if (this.closed) return;
    // Not the server's RST_STREAM and not a lost connection: our engine refused what the server sent.
    this.resetByUs = !byPeer && connectionError === undefined;
    if (connectionError !== undefined && code !== ErrorCode.REFUSED_STREAM) this.owner.connectionLost(connectionError);
    this.over(code);
  }

  /** Both directions are over (or the stream was reset): 'close', once. */
  private over(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.destroyed = true;
    this.rstCode = code;
    if (this.h2 !== undefined) this.owner.streamClosed();
    this.onClose?.();
  }
}

const kStream = Symbol('wiregrpc.h2ClientStream');
/** An H2Stream with the client stream it belongs to. */
type Linked = H2Stream & { [kStream]?: H2ClientStream };

function onHeaders(this: Linked, headers: readonly string[], endStream: boolean): void {
  this[kStream]!.headersIn(headers, endStream);
}
function onData(this: Linked, chunk: Uint8Array, endStream: boolean): void {
  this[kStream]!.dataIn(chunk, endStream);
}
function onReset(this: Linked, code: number, byPeer: boolean, connectionError?: Error): void {
  this[kStream]!.resetIn(code, byPeer, connectionError);
}
function onDrain(this: Linked): void {
  this[kStream]!.drained();
}
function onClosed(this: Linked): void {
  this[kStream]!.closedIn();
}
