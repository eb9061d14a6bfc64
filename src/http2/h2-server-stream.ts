/**
 * A stream of wiregrpc's own HTTP/2 (src/h2's H2Stream: callbacks, flat header
 * lists) presented as a `StreamLike` (stream-like.ts), so that the one call
 * implementation (server-stream.ts) and the two call protocols serve it as they
 * serve node:http2's ServerHttp2Stream.
 *
 *   H2Stream                         StreamLike (what ServerStream listens to / calls)
 *   onData(chunk, endStream)    →    'data' chunk, then 'end' with END_STREAM
 *   onReset(code, byPeer)       →    rstCode = code; 'close' (never 'end' after it; 'aborted' is not needed)
 *   onClose()                   →    'close' (both sides ended; or src/h2's RST NO_ERROR after our whole response)
 *   onDrain()                   →    'drain'
 *   respond(list, endStream)    ←    respond(record, { endStream | waitForTrailers })
 *   write(data) / write(d, true)←    write(chunk); end(chunk) — with waitForTrailers, end() asks
 *                                    for the trailers ('wantTrailers') right away, and
 *   trailers(list)              ←    sendTrailers(record) sends them behind the DATA
 *   reset(code)                 ←    close(code)
 *   pause() resume()            ←    pause() resume() isPaused()
 *   bufferedBytes               →    writableLength
 *
 * No EventEmitter: each event has one slot, and the few listeners a call adds
 * (module-level functions in server-stream.ts, called with the stream as
 * `this`) sit in it. Response header records become flat lists here; the frozen
 * shared ones (response-headers.ts: every call's response headers, the OK
 * trailers) are converted once and the list is reused.
 */
import type { ServerStreamResponseOptions } from 'node:http2';
import type { Socket } from 'node:net';
import type { H2Stream } from '../h2/stream.js';
import type { HeaderRecord } from '../wire/grpc/metadata.js';
import { RST_NO_ERROR } from './rst-code.js';
import type { StreamLike } from './stream-like.js';

type Listener = (this: H2ServerStream, arg?: Uint8Array) => void;
/** One event's listeners: none, one, or (rarely: a refusal adds a second) several. */
type Slot = Listener | Listener[] | undefined;

/** The events a call listens to, by slot. ('error' has none: every end is 'close', with rstCode.) */
const EVENTS: Readonly<Record<string, number>> = Object.freeze({
  data: 0,
  end: 1,
  close: 2,
  aborted: 3,
  drain: 4,
  wantTrailers: 5,
});
const DATA = 0;
const END = 1;
const CLOSE = 2;
const DRAIN = 4;
const WANT_TRAILERS = 5;

const EMPTY = new Uint8Array(0);

/** Flat lists of the frozen header records (shared by every call), made on first use. */
const lists = new WeakMap<Readonly<HeaderRecord>, readonly string[]>();

/** A header record as the flat list src/h2 sends: pseudo-header fields first, an array value as repeated fields. */
export function headerList(record: Readonly<HeaderRecord>): readonly string[] {
  const frozen = Object.isFrozen(record);
  if (frozen) {
    const cached = lists.get(record);
    if (cached !== undefined) return cached;
  }
  const list: string[] = [];
  let regular = false;
  for (const name in record) {
    if (name.charCodeAt(0) !== 58 /* : */) {
      regular = true;
      continue;
    }
    push(list, name, record[name]);
  }
  if (regular) for (const name in record) if (name.charCodeAt(0) !== 58) push(list, name, record[name]);
  if (frozen) lists.set(record, list);
  return list;
}

function push(list: string[], name: string, value: string | string[] | number | undefined): void {
  if (value === undefined) return;
  if (Array.isArray(value)) for (const v of value) list.push(name, v);
  else list.push(name, typeof value === 'string' ? value : String(value));
}

export class H2ServerStream implements StreamLike {
  readonly session: { readonly socket: Socket } | undefined;
  rstCode: number | undefined = undefined;
  closed = false;
  private readonly h2: H2Stream;
  private paused = false;
  /** respond() asked for `waitForTrailers`: end() then emits 'wantTrailers'. */
  private trailersWanted = false;
  /** The client half-closed (END_STREAM received). */
  private requestEnded = false;
  /** Our END_STREAM is sent or queued (Trailers-Only, trailers, or the last DATA). */
  private responseEnded = false;
  /** Listeners by event (EVENTS), and those added with once(), dropped before they run. */
  private readonly slots: Slot[] = [undefined, undefined, undefined, undefined, undefined, undefined];
  private readonly onceSlots: Slot[] = [undefined, undefined, undefined, undefined, undefined, undefined];

  constructor(h2: H2Stream, session: { readonly socket: Socket } | undefined) {
    this.h2 = h2;
    this.session = session;
    h2.onData = (chunk, endStream) => this.received(chunk, endStream);
    h2.onHeaders = (_headers, endStream) => {
      // Trailers from the client (rare in gRPC): a server call reads no metadata from them.
      if (endStream) this.received(EMPTY, true);
    };
    h2.onReset = (code) => this.gone(code);
    h2.onClose = () => this.gone(RST_NO_ERROR);
    h2.onDrain = () => this.emit(DRAIN);
  }

  /** The stream id (the tracer's label: trace.ts). */
  get id(): number {
    return this.h2.id;
  }

  get destroyed(): boolean {
    return this.closed;
  }

  get writableLength(): number {
    return this.h2.bufferedBytes;
  }

  respond(headers: Readonly<HeaderRecord>, options?: ServerStreamResponseOptions): void {
    const endStream = options?.endStream === true;
    this.trailersWanted = !endStream && options?.waitForTrailers === true;
    this.h2.respond(headerList(headers), endStream);
    this.responseEnded = endStream;
  }

  sendTrailers(headers: Readonly<HeaderRecord>): void {
    this.h2.trailers(headerList(headers));
    this.responseEnded = true;
  }

  write(chunk: Uint8Array): boolean {
    return this.h2.write(chunk, false);
  }

  /** The last DATA; with `waitForTrailers` the trailers are asked for at once (src/h2 sends them behind the DATA). */
  end(chunk?: Uint8Array): void {
    if (this.trailersWanted) {
      this.trailersWanted = false;
      if (chunk !== undefined && chunk.length > 0) this.h2.write(chunk, false);
      this.emit(WANT_TRAILERS);
    } else {
      this.h2.write(chunk ?? EMPTY, true);
      this.responseEnded = true;
    }
  }

  /**
   * RST_STREAM(code). NO_ERROR once our response is complete asks a client that is still sending to stop
   * (RFC 9113 §8.1): src/h2 sends that itself right after our END_STREAM goes out — which may wait behind
   * flow control — so here it is left to it; a reset now would drop the response still queued.
   */
  close(code: number = RST_NO_ERROR): void {
    if (this.closed || (code === RST_NO_ERROR && this.responseEnded)) return;
    this.h2.reset(code);
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.h2.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.h2.resume();
  }

  isPaused(): boolean {
    return this.paused;
  }

  on<A extends unknown[]>(event: string, listener: (...args: A) => void): this {
    const at = EVENTS[event];
    if (at !== undefined) this.slots[at] = join(this.slots[at], listener as unknown as Listener);
    return this;
  }

  once<A extends unknown[]>(event: string, listener: (...args: A) => void): this {
    const at = EVENTS[event];
    if (at !== undefined) this.onceSlots[at] = join(this.onceSlots[at], listener as unknown as Listener);
    return this;
  }

  /** The request's HEADERS carried END_STREAM: there is no body (told once the call listens). */
  requestEnd(): void {
    this.received(EMPTY, true);
  }

  // ─── From the H2Stream ─────────────────────────────────────────────────

  private received(chunk: Uint8Array, endStream: boolean): void {
    if (chunk.length > 0) this.emit(DATA, chunk);
    if (endStream && !this.requestEnded) {
      this.requestEnded = true;
      this.emit(END);
    }
  }

  /** The stream is over: reset (by either side, or the connection went) or closed both ways (NO_ERROR). */
  private gone(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.rstCode = code;
    this.emit(CLOSE);
  }

  private emit(at: number, arg?: Uint8Array): void {
    const once = this.onceSlots[at];
    if (once !== undefined) {
      this.onceSlots[at] = undefined;
      call(this, once, arg);
    }
    const slot = this.slots[at];
    if (slot !== undefined) call(this, slot, arg);
  }
}

function join(slot: Slot, listener: Listener): Slot {
  if (slot === undefined) return listener;
  if (typeof slot === 'function') return [slot, listener];
  slot.push(listener);
  return slot;
}

function call(stream: H2ServerStream, slot: Listener | Listener[], arg: Uint8Array | undefined): void {
  if (typeof slot === 'function') slot.call(stream, arg);
  else for (const listener of slot.slice()) listener.call(stream, arg);
}
