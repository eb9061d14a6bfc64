/**
 * HPACK's two tables, addressed as one index space (RFC 7541 §2.3):
 *
 *     <----------  Static Table  ----------> <----------  Dynamic Table  ---------->
 *     +---+-----------+---+                  +---+-----------+---+
 *     | 1 |    ...    | 61|                  | 62|    ...    |62+k|
 *     +---+-----------+---+                  +---+-----------+---+
 *                                            ^ newest             ^ oldest (evicted first)
 *
 * The static table is fixed (Appendix A). The dynamic table is a FIFO of the fields
 * a peer chose to index: each new entry takes index 62 and pushes the others up.
 * Its size (§4.1) is the sum over entries of name length + value length + 32
 * octets; adding an entry evicts from the old end until the new one fits, and an
 * entry larger than the whole table empties it and is not added (§4.4). The maximum
 * size changes only by a size update in a header block (§4.3, §6.3), itself bounded
 * by SETTINGS_HEADER_TABLE_SIZE.
 *
 * Names and values are strings of one char per octet (latin-1), so `length` is the
 * octet count the size accounting needs.
 */

/** RFC 7541 Appendix A: index i + 1 is STATIC_TABLE[i]; an empty value means only the name is given. */
export const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

export const STATIC_TABLE_LENGTH = 61;

/** The per-entry overhead of §4.1 (an estimate of the bookkeeping an implementation spends on an entry). */
export const ENTRY_OVERHEAD = 32;

/** The initial SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2). */
export const DEFAULT_TABLE_SIZE = 4096;

export function entrySize(name: string, value: string): number {
  return name.length + value.length + ENTRY_OVERHEAD;
}

/** Told of each entry the table evicts (the encoder, which keeps an index of its entries). */
export interface EvictionListener {
  evicted(name: string, value: string, insertion: number): void;
}

/**
 * The dynamic table: a ring buffer, newest entry at `head`. Entries are also
 * numbered in insertion order (`inserted` counts them all), which the encoder
 * uses to find an entry again without searching.
 */
export class DynamicTable {
  /**
   * The ring: entry k at [2k] (name) and [2k + 1] (value), a power of two of entries long; empty until the first
   * entry, then 8 entries, doubled when full (an idle connection's tables hold one small array each).
   */
  private ring: string[] = [];
  /** Entries the ring has room for. */
  private capacity = 0;
  /** Slot of the oldest entry. */
  private tail = 0;
  private count = 0;
  private bytes = 0;
  private max: number;
  private added = 0;
  private generation = 0;

  /** Told of each entry as it is evicted. */
  listener: EvictionListener | undefined;

  constructor(maxSize: number = DEFAULT_TABLE_SIZE) {
    this.max = maxSize;
  }

  /** Entries in the table. */
  get length(): number {
    return this.count;
  }

  /** The §4.1 size: octets of names and values, plus 32 per entry. */
  get size(): number {
    return this.bytes;
  }

  get maxSize(): number {
    return this.max;
  }

  /** Counts every change of the contents (an entry added or evicted, the size changed): equal counts, equal tables. */
  get changes(): number {
    return this.generation;
  }

  /** Entries ever added; the newest has insertion number `inserted - 1`. */
  get inserted(): number {
    return this.added;
  }

  /** The entry at dynamic index `i` (1 = newest, i.e. HPACK index 62), or undefined past the end. */
  get(i: number): [string, string] | undefined {
    if (i < 1 || i > this.count) return undefined;
    const slot = 2 * ((this.tail + this.count - i) & (this.capacity - 1));
    return [this.ring[slot]!, this.ring[slot + 1]!];
  }

  /**
   * The dynamic index (1 = newest) of the newest entry with this name and, if given, this value; 0 if none.
   * A search, entry by entry: for the few entries a table usually holds (the encoder indexes larger ones).
   */
  find(name: string, value: string | undefined): number {
    const ring = this.ring;
    const mask = this.capacity - 1;
    for (let i = 1; i <= this.count; i++) {
      const slot = 2 * ((this.tail + this.count - i) & mask);
      if (ring[slot] === name && (value === undefined || ring[slot + 1] === value)) return i;
    }
    return 0;
  }

  /** The dynamic index (1 = newest) of the entry with insertion number `insertion`, if still in the table. */
  indexOf(insertion: number): number | undefined {
    const i = this.added - insertion;
    return i >= 1 && i <= this.count ? i : undefined;
  }

  /** Adds an entry at the front, evicting from the back until it fits (§4.4). */
  add(name: string, value: string): void {
    this.generation++;
    const size = entrySize(name, value);
    if (size > this.max) {
      // §4.4: not an error; the table ends up empty. The entry still takes an insertion number.
      this.evictTo(0);
      this.added++;
      return;
    }
    this.evictTo(this.max - size);
    if (this.count === this.capacity) this.grow();
    const slot = 2 * ((this.tail + this.count) & (this.capacity - 1));
    this.ring[slot] = name;
    this.ring[slot + 1] = value;
    this.count++;
    this.bytes += size;
    this.added++;
  }

  /** A new maximum size (after a size update): evicts until the table fits (§4.3). */
  setMaxSize(max: number): void {
    this.generation++;
    this.max = max;
    this.evictTo(max);
  }

  /** Every entry, newest first: for tests and debugging. */
  entries(): [string, string][] {
    const out: [string, string][] = [];
    for (let i = 1; i <= this.count; i++) out.push(this.get(i)!);
    return out;
  }

  private evictTo(limit: number): void {
    const mask = this.capacity - 1;
    while (this.bytes > limit) {
      const slot = 2 * this.tail;
      const name = this.ring[slot]!;
      const value = this.ring[slot + 1]!;
      this.bytes -= entrySize(name, value);
      this.ring[slot] = '';
      this.ring[slot + 1] = '';
      this.tail = (this.tail + 1) & mask;
      this.count--;
      this.listener?.evicted(name, value, this.added - this.count - 1);
    }
  }

  /** Doubles the ring (a power of two of entries, so slots wrap with a mask). */
  private grow(): void {
    const capacity = Math.max(8, this.capacity * 2);
    const ring = new Array<string>(2 * capacity);
    for (let i = 0; i < this.count; i++) {
      const slot = 2 * ((this.tail + i) & (this.capacity - 1));
      ring[2 * i] = this.ring[slot]!;
      ring[2 * i + 1] = this.ring[slot + 1]!;
    }
    this.ring = ring;
    this.capacity = capacity;
    this.tail = 0;
  }
}
