/**
 * Flow control (RFC 9113 §5.2, §6.9): a window of bytes per stream and one for the
 * whole connection, in each direction. Only DATA counts, padding included.
 *
 *     sender                                        receiver
 *     send window  ──DATA (n bytes)──▶   window -= n     (over it: FLOW_CONTROL_ERROR)
 *     send window += k  ◀──WINDOW_UPDATE(k)──   when the consumer took the bytes
 *
 * The send side is a number on each stream and on the connection: it may go
 * negative when the peer lowers SETTINGS_INITIAL_WINDOW_SIZE (§6.9.2), and past
 * 2^31-1 it is a FLOW_CONTROL_ERROR (`grow`).
 *
 * The receive side (`ReceiveWindow`) returns credit as the consumer takes data, in
 * batches: a WINDOW_UPDATE once half the window has been consumed, so a busy
 * stream costs one 13-byte frame per half window, not one per DATA frame (what
 * nghttp2 and grpc-go do too). A consumer that pauses simply does not consume:
 * the window closes and the peer stops — that is the backpressure.
 */
import { MAX_WINDOW_SIZE } from './frame.js';

/** `window + increment`, or undefined past 2^31-1 (a FLOW_CONTROL_ERROR of the window's scope). */
export function grow(window: number, increment: number): number | undefined {
  const next = window + increment;
  return next > MAX_WINDOW_SIZE ? undefined : next;
}

/** What the peer may still send us on one window, and what we owe it. */
export class ReceiveWindow {
  /** Bytes the peer may still send (negative after we lowered the window). */
  available: number;
  /** The window we keep open: the initial size, or the connection window. */
  private size: number;
  /** Bytes consumed and not yet returned in a WINDOW_UPDATE. */
  private owed = 0;

  constructor(size: number) {
    this.available = size;
    this.size = size;
  }

  /** `n` flow-controlled bytes arrived; false when they are beyond the window (FLOW_CONTROL_ERROR). */
  take(n: number): boolean {
    if (n > this.available) return false;
    this.available -= n;
    return true;
  }

  /** `n` bytes were consumed; returns the WINDOW_UPDATE increment to send now, or 0 to wait for more. */
  consumed(n: number): number {
    this.owed += n;
    return this.due();
  }

  /**
   * Our SETTINGS_INITIAL_WINDOW_SIZE changed (the peer acknowledged it): the window
   * moves by the difference. Returns the increment to send now: credit owed under the
   * old size may be due under the new one, and no later DATA would trigger it if the
   * window went negative.
   */
  resize(size: number): number {
    this.available += size - this.size;
    this.size = size;
    return this.due();
  }

  private due(): number {
    if (this.owed === 0 || this.owed < this.size / 2) return 0;
    const increment = this.owed;
    this.owed = 0;
    this.available += increment;
    return increment;
  }
}
