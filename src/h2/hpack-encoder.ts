/**
 * The HPACK encoder (RFC 7541 §6): a flat header list `[name, value, …]` in, one
 * header block out, choosing for each field the shortest representation that its
 * policy allows (the representations are pictured in hpack-decoder.ts):
 *
 *   1. a sensitive field (authorization, cookie, … and any name the caller marks):
 *      literal never indexed (§6.2.3, §7.1.3), so neither this table nor any
 *      intermediary's keeps it where a compression oracle could probe it;
 *   2. a field already in a table, name and value: indexed, one octet or two;
 *   3. a field worth remembering: literal with incremental indexing, its name by
 *      index when a table has it; it now takes index 62;
 *   4. a field not worth remembering (a name on the unindexed list, such as
 *      content-length or grpc-timeout whose values rarely repeat, or an entry that
 *      would take over half the table): literal without indexing.
 * Strings are Huffman-coded when that is shorter (`huffman: 'auto'`), or always, or never.
 *
 * Table size. The peer's decoder sets the most our table may use
 * (SETTINGS_HEADER_TABLE_SIZE); we use that, capped at `maxTableSizeCap`. When it
 * changes, the next block begins with the size update the decoder expects (§4.2):
 * the smallest size since the last block, then the final one if that is larger, so
 * the peer evicts exactly what we evicted.
 *
 * Finding fields: a search of the few entries a table usually holds (newest first); past 16 entries a map
 * from (name, value) and from name to the entry's insertion number, so a lookup costs a hash, not a long scan;
 * evicted entries leave the map as they go.
 */
import { H2Error } from './errors.js';
import { BlockWriter } from './hpack-primitives.js';
import {
  DEFAULT_TABLE_SIZE,
  DynamicTable,
  entrySize,
  STATIC_TABLE,
  STATIC_TABLE_LENGTH,
  type EvictionListener,
} from './hpack-table.js';

/** Sent never-indexed unless the caller says otherwise: credentials and session state. */
export const SENSITIVE_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];

/** Sent without indexing by default: values that rarely repeat, so an entry would only push out useful ones. */
export const UNINDEXED_HEADERS: readonly string[] = [
  'content-length',
  'date',
  'etag',
  'last-modified',
  'if-modified-since',
  'if-none-match',
  'grpc-timeout',
];

export interface HpackEncoderOptions {
  /** The dynamic table size both sides start from (default 4096, the protocol's initial value). */
  maxTableSize?: number;
  /** The most table this side will keep, whatever the peer allows (default 4096). */
  maxTableSizeCap?: number;
  /** 'auto' (default): Huffman when shorter; 'always'; 'never'. */
  huffman?: 'auto' | 'always' | 'never';
  /** Names always sent never-indexed (default SENSITIVE_HEADERS; pass [] for none). */
  sensitive?: Iterable<string>;
  /** Names sent without indexing (default UNINDEXED_HEADERS; pass [] to index every field that fits). */
  unindexed?: Iterable<string>;
}

const DEFAULT_SENSITIVE: ReadonlySet<string> = new Set(SENSITIVE_HEADERS);
const DEFAULT_UNINDEXED: ReadonlySet<string> = new Set(UNINDEXED_HEADERS);

/** Every encoder's: a block is written in one synchronous call (hpack-primitives.ts). */
const writer = new BlockWriter();

/** Entries of the table searched one by one; past this many, through an index (HpackEncoder.index). */
const SCAN_ENTRIES = 16;

/** Lists (with their blocks) remembered while the table stays unchanged. */
const MAX_REMEMBERED = 16;

/** By name: the static index of the name, and of each name-value pair it has. */
const STATIC_NAMES = new Map<string, number>();
const STATIC_FIELDS = new Map<string, Map<string, number>>();
STATIC_TABLE.forEach(([name, value], i) => {
  if (!STATIC_NAMES.has(name)) STATIC_NAMES.set(name, i + 1);
  if (value !== '') {
    let values = STATIC_FIELDS.get(name);
    if (values === undefined) STATIC_FIELDS.set(name, (values = new Map()));
    values.set(value, i + 1);
  }
});

export class HpackEncoder implements EvictionListener {
  readonly table: DynamicTable;
  private readonly huffman: 'auto' | 'always' | 'never';
  private readonly sensitive: ReadonlySet<string>;
  private readonly unindexed: ReadonlySet<string>;
  private readonly cap: number;
  /** The table size the peer's decoder knows of (the last one signalled, or the initial one). */
  private announced: number;
  /** The smallest size the table had since the last block, when it changed since then. */
  private smallest: number | undefined;
  /**
   * Up to SCAN_ENTRIES entries the table is searched entry by entry (newest first). Past that, an index of
   * insertion numbers by two kinds of key in one Map: a name → its newest entry, and fieldKey(name, value) → that
   * field's entry (a fieldKey starts with an upper-case letter, which no name has: checkList). A gRPC connection's
   * table holds a handful of entries: the index would be a Map and a key string per entry (~0.5 KB per idle
   * connection), and a search of a few entries costs less than building the key to look up.
   */
  private index: Map<string, number> | undefined;

  constructor(options: HpackEncoderOptions = {}) {
    this.cap = options.maxTableSizeCap ?? DEFAULT_TABLE_SIZE;
    this.table = new DynamicTable(Math.min(options.maxTableSize ?? DEFAULT_TABLE_SIZE, this.cap));
    // The peer's decoder starts from maxTableSize; if the cap keeps ours smaller, the first block says so.
    this.announced = options.maxTableSize ?? DEFAULT_TABLE_SIZE;
    if (this.table.maxSize !== this.announced) this.smallest = this.table.maxSize;
    this.huffman = options.huffman ?? 'auto';
    // The default sets are shared: an encoder per connection need not copy them.
    this.sensitive = options.sensitive === undefined ? DEFAULT_SENSITIVE : new Set(options.sensitive);
    this.unindexed = options.unindexed === undefined ? DEFAULT_UNINDEXED : new Set(options.unindexed);
    this.table.listener = this;
  }

  /** @internal EvictionListener: the table evicted this entry; it leaves the index if that still points at it. */
  evicted(name: string, value: string, insertion: number): void {
    const index = this.index;
    if (index === undefined) return;
    const key = fieldKey(name, value);
    if (index.get(key) === insertion) index.delete(key);
    if (index.get(name) === insertion) index.delete(name);
  }

  /** The dynamic index (1 = newest) of the entry (name, value), or of the newest with this name; 0 if none. */
  private find(name: string, value: string | undefined): number {
    const index = this.index;
    if (index === undefined) return this.table.find(name, value);
    const insertion = index.get(value === undefined ? name : fieldKey(name, value));
    return insertion === undefined ? 0 : this.table.indexOf(insertion)!;
  }

  /** The entry just added goes into the index, which is made once the table outgrows a search. */
  private indexAdded(name: string, value: string): void {
    const table = this.table;
    const added = table.inserted - 1;
    if (table.indexOf(added) === undefined) return; // too large: not in the table
    let index = this.index;
    if (index === undefined) {
      if (table.length <= SCAN_ENTRIES) return;
      this.index = index = new Map();
      // Oldest first, so that a name ends up with its newest entry. Entry i (1 = newest) has insertion added + 1 - i.
      for (let i = table.length; i > 1; i--) {
        const [n, v] = table.get(i)!;
        index.set(fieldKey(n, v), added + 1 - i);
        index.set(n, added + 1 - i);
      }
    }
    index.set(fieldKey(name, value), added);
    index.set(name, added);
  }

  /**
   * The peer's SETTINGS_HEADER_TABLE_SIZE changed (call when its SETTINGS arrive).
   * The table shrinks now if it must; the next block tells the peer.
   */
  setPeerMaxTableSize(size: number): void {
    const next = Math.min(size, this.cap);
    this.smallest = Math.min(this.smallest ?? this.table.maxSize, next);
    this.table.setMaxSize(next);
  }

  /**
   * One header block for `headers` (`[name, value, …]`, names in lower case).
   * `sensitive` adds names to send never-indexed in this block only.
   */
  encode(headers: readonly string[], sensitive?: ReadonlySet<string>): Uint8Array {
    const cacheable = sensitive === undefined && this.smallest === undefined;
    if (cacheable) {
      const hit = this.cached(headers);
      if (hit !== undefined) return hit.slice();
    }
    const changes = this.table.changes;
    const block = this.encodeBlock(headers, sensitive);
    // A block that left the table as it was will be the same bytes for the same list until the table changes.
    if (cacheable && this.table.changes === changes) this.remember(headers, block);
    return block;
  }

  /**
   * Lists encoded lately without changing the table, with their blocks (what a
   * gRPC peer sends again and again: its request headers, response headers,
   * trailers). Valid while the table is unchanged (`changes`); compared field by
   * field, so a caller may build a new array each time.
   */
  private readonly recent: { list: string[]; block: Uint8Array }[] = [];
  private recentChanges = -1;

  private cached(headers: readonly string[]): Uint8Array | undefined {
    if (this.recentChanges !== this.table.changes) {
      this.recent.length = 0;
      return undefined;
    }
    outer: for (const entry of this.recent) {
      const list = entry.list;
      if (list.length !== headers.length) continue;
      for (let i = 0; i < list.length; i++) if (list[i] !== headers[i]) continue outer;
      return entry.block;
    }
    return undefined;
  }

  private remember(headers: readonly string[], block: Uint8Array): void {
    if (this.recentChanges !== this.table.changes) {
      this.recent.length = 0;
      this.recentChanges = this.table.changes;
    }
    if (this.recent.length >= MAX_REMEMBERED) this.recent.shift();
    this.recent.push({ list: headers.slice(), block: block.slice() });
  }

  private encodeBlock(headers: readonly string[], sensitive: ReadonlySet<string> | undefined): Uint8Array {
    // Everything is checked before anything is written: a block refused halfway would
    // leave our table holding entries the peer never saw.
    checkList(headers);
    const w = writer;
    w.clear();
    if (this.smallest !== undefined) {
      // §4.2: the smallest size since the last block if it went below what the peer knows, then the one in force.
      if (this.smallest < this.announced) w.integer((this.announced = this.smallest), 5, 0x20);
      if (this.table.maxSize !== this.announced) w.integer((this.announced = this.table.maxSize), 5, 0x20);
      this.smallest = undefined;
    }
    for (let i = 0; i < headers.length; i += 2) this.field(headers[i]!, headers[i + 1]!, sensitive);
    return w.take();
  }

  private field(name: string, value: string, extraSensitive: ReadonlySet<string> | undefined): void {
    const w = writer;
    const table = this.table;
    if (this.sensitive.has(name) || extraSensitive?.has(name) === true) {
      this.literal(name, value, 0x10, 4); // §6.2.3 never indexed
      return;
    }
    const staticIndex = STATIC_FIELDS.get(name)?.get(value);
    if (staticIndex !== undefined) {
      w.integer(staticIndex, 7, 0x80);
      return;
    }
    const dynamicIndex = this.find(name, value);
    if (dynamicIndex !== 0) {
      w.integer(STATIC_TABLE_LENGTH + dynamicIndex, 7, 0x80);
      return;
    }
    if (this.unindexed.has(name) || entrySize(name, value) * 2 > table.maxSize) {
      this.literal(name, value, 0x00, 4); // §6.2.2 without indexing
      return;
    }
    this.literal(name, value, 0x40, 6); // §6.2.1 incremental indexing
    table.add(name, value);
    this.indexAdded(name, value);
  }

  /** A literal field: `flags` and a `prefixBits` name index, or 0 and the name as a string; then the value. */
  private literal(name: string, value: string, flags: number, prefixBits: number): void {
    const w = writer;
    const nameIndex = this.nameIndex(name);
    if (nameIndex !== undefined) w.integer(nameIndex, prefixBits, flags);
    else {
      w.integer(0, prefixBits, flags);
      w.string(name, this.huffman);
    }
    w.string(value, this.huffman);
  }

  /** The smallest index of an entry with this name, static first. */
  private nameIndex(name: string): number | undefined {
    const s = STATIC_NAMES.get(name);
    if (s !== undefined) return s;
    const dynamicIndex = this.find(name, undefined);
    return dynamicIndex === 0 ? undefined : STATIC_TABLE_LENGTH + dynamicIndex;
  }
}

/**
 * One string per (name, value), unambiguous whatever the two hold (the name's length, the name, the value), and
 * never a header name (those have no upper case).
 */
function fieldKey(name: string, value: string): string {
  return `F${name.length}:${name}${value}`;
}

/**
 * What a peer's decoder would find malformed (RFC 9113 §8.2.1: an empty or upper-case
 * name), or what cannot be sent at all (a char above U+00FF), is this side's bug.
 */
function checkList(headers: readonly string[]): void {
  if (headers.length % 2 !== 0) throw H2Error.local(`header list of odd length ${headers.length}`);
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (typeof name !== 'string' || typeof headers[i + 1] !== 'string')
      throw H2Error.local(`header ${i >> 1} is not a pair of strings`);
    if (!STATIC_NAMES.has(name)) {
      if (name.length === 0) throw H2Error.local('empty header name');
      for (let j = 0; j < name.length; j++) {
        const c = name.charCodeAt(j);
        if (c >= 0x41 && c <= 0x5a) throw H2Error.local(`header name ${JSON.stringify(name)} has upper case`);
        if (c > 0xff) throw H2Error.local(`header name ${JSON.stringify(name)} has a char above U+00FF`);
      }
    }
    const value = headers[i + 1]!;
    for (let j = 0; j < value.length; j++)
      if (value.charCodeAt(j) > 0xff)
        throw H2Error.local(`value of ${name} has a char above U+00FF at ${j}: HPACK carries octets`);
  }
}
