/**
 * The streams of one connection, by id (RFC 9113 §5.1.1):
 *
 *     client-initiated: 1, 3, 5, …     server-initiated: 2, 4, 6, …  (push; never here)
 *     each side's new ids only increase; opening N closes every idle stream below N
 *
 *        ids ≤ last used      the stream is open (in `open`) or closed
 *        ids > last used      idle
 *
 * A closed stream leaves the map at once; how it closed is remembered for the
 * last RECENT streams, because late frames are judged by it (stream-state.ts):
 * after our RST_STREAM they are ignored, after the peer's they are a stream error,
 * after END_STREAM both ways DATA and HEADERS are a connection error. A stream
 * closed longer ago than that is treated as reset by us: whatever still comes for
 * it is ignored (its DATA is still counted against the connection window). A
 * stream reset early costs one entry here and nothing else.
 */
import type { StreamState } from './stream-state.js';
import type { H2Stream } from './stream.js';

/** How many closed streams keep their closing state. */
const RECENT = 1024;

export class StreamTable {
  readonly open = new Map<number, H2Stream>();
  /** Streams we opened, and streams the peer opened, that are not closed (§5.1.2 counts them separately). */
  localOpen = 0;
  peerOpen = 0;
  /** The next id we open (odd for a client). */
  nextLocalId: number;
  /** The highest id the peer opened (or tried to: a refused stream counts). */
  lastPeerId = 0;
  /** Closed streams' ids → how they closed, oldest first (a Map iterates in insertion order: no ring of ids). */
  private readonly recent = new Map<number, StreamState>();
  /** The highest id forgotten from `recent`: a closed id above it that is not remembered was never opened. */
  private forgottenBelow = 0;
  private readonly localParity: number;

  constructor(role: 'server' | 'client') {
    this.localParity = role === 'client' ? 1 : 0;
    this.nextLocalId = role === 'client' ? 1 : 2;
  }

  isLocal(id: number): boolean {
    return (id & 1) === this.localParity;
  }

  add(stream: H2Stream): void {
    this.open.set(stream.id, stream);
    if (this.isLocal(stream.id)) this.localOpen++;
    else this.peerOpen++;
  }

  /** The stream closed (`state` says how): out of the map, into the recent ones. False: it was not in the map. */
  remove(stream: H2Stream, state: StreamState): boolean {
    if (!this.open.delete(stream.id)) return false;
    if (this.isLocal(stream.id)) this.localOpen--;
    else this.peerOpen--;
    this.remember(stream.id, state);
    return true;
  }

  /** A stream that never entered the map (refused, or ignored after GOAWAY) was closed as `state`. */
  remember(id: number, state: StreamState): void {
    if (this.recent.size >= RECENT) {
      const oldest = this.recent.keys().next().value!;
      this.recent.delete(oldest);
      if (oldest > this.forgottenBelow) this.forgottenBelow = oldest;
    }
    this.recent.set(id, state);
  }

  /**
   * A peer id below the last one it used that it never opened: §5.1.1 closed it
   * implicitly, and HEADERS on it now would open a stream out of order.
   */
  skipped(id: number): boolean {
    return (
      !this.isLocal(id) &&
      id < this.lastPeerId &&
      id > this.forgottenBelow &&
      !this.open.has(id) &&
      !this.recent.has(id)
    );
  }

  /** The state of a stream not in `open`: idle, or closed in the way remembered. */
  stateOf(id: number): StreamState {
    const recent = this.recent.get(id);
    if (recent !== undefined) return recent;
    const used = this.isLocal(id) ? id < this.nextLocalId : id <= this.lastPeerId;
    return used ? 'closed (reset sent)' : 'idle';
  }
}
