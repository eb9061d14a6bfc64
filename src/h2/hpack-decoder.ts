/**
 * The HPACK decoder (RFC 7541 §3, §6): one header block in, a flat header list
 * `[name, value, name, value, …]` out. A block is a sequence of representations,
 * each told apart by its first bits:
 *
 *     1xxxxxxx  indexed field (§6.1)             the entry at index x (7-bit prefix)
 *     01xxxxxx  literal, incremental indexing    name at index x (0: a literal name follows),
 *               (§6.2.1)                         then the value; the field is added to the table
 *     001xxxxx  dynamic table size update (§6.3) new maximum size x (5-bit prefix)
 *     0001xxxx  literal, never indexed (§6.2.3)  as above, not added, and to be kept
 *                                                unindexed by any intermediary
 *     0000xxxx  literal, without indexing        as above, not added
 *               (§6.2.2)
 *
 * Errors. The dynamic table is state shared with the peer's encoder, so anything
 * that leaves it in doubt is a connection COMPRESSION_ERROR (RFC 9113 §4.3): an
 * index of 0 or past the tables, a string or integer running past the block end,
 * an integer over 32 bits, bad Huffman, a size update above our
 * SETTINGS_HEADER_TABLE_SIZE or after the first field, a missing size update after
 * we lowered that setting (§4.2).
 *
 * What only spoils this one field section is a stream error, raised after the
 * whole block is decoded (so the table stays in step and the connection lives):
 *   - the list growing past `maxHeaderListSize` (§4.1 octets: name + value + 32 per
 *     field): ENHANCE_YOUR_CALM. Fields past the limit are decoded for the table's
 *     sake but not kept, so a block of indexed references to one large entry (an
 *     "HPACK bomb") costs one comparison per reference, not memory;
 *   - a malformed field (RFC 9113 §8.2): a name that is empty, has upper case or a
 *     char outside the token set, a value with NUL, CR or LF or leading/trailing
 *     space or tab, a pseudo-header (`:name`) after a regular one, a connection-specific
 *     field (connection, keep-alive, …; te other than "trailers"): PROTOCOL_ERROR.
 */
import { ErrorCode, H2Error } from './errors.js';
import { BlockReader, latin1 } from './hpack-primitives.js';
import { DEFAULT_TABLE_SIZE, DynamicTable, entrySize, STATIC_TABLE, STATIC_TABLE_LENGTH } from './hpack-table.js';

export interface HpackDecoderOptions {
  /** Our SETTINGS_HEADER_TABLE_SIZE in force: the most a size update may ask for (default 4096). */
  maxTableSize?: number;
  /** The largest header list accepted, in §4.1 octets (default 65,536; SETTINGS_MAX_HEADER_LIST_SIZE). */
  maxHeaderListSize?: number;
}

export const DEFAULT_MAX_HEADER_LIST_SIZE = 65_536;

/** Every decoder's: a block is read in one synchronous call (hpack-primitives.ts). */
const reader = new BlockReader();

/**
 * Short strings peers put in their tables, one copy per realm: 1,000 connections from the same kind of client
 * index the same "application/grpc", "trailers", user-agent..., and each table would hold its own copy of each.
 * Bounded (cleared when full), so what a peer sends cannot grow it.
 */
const SHARED = new Map<string, string>();
const SHARED_ENTRIES = 2048;
const SHARED_LENGTH = 64;

function shared(s: string): string {
  if (s.length > SHARED_LENGTH) return s;
  const known = SHARED.get(s);
  if (known !== undefined) return known;
  if (SHARED.size >= SHARED_ENTRIES) SHARED.clear();
  SHARED.set(s, s);
  return s;
}

export class HpackDecoder {
  readonly table: DynamicTable;
  /** Which fields of the last block were sent never-indexed (§6.2.3): their pair numbers (0 = the first field). */
  readonly neverIndexed: number[] = [];
  private limit: number;
  private pendingLimit: number | undefined;
  private readonly maxListSize: number;

  constructor(options: HpackDecoderOptions = {}) {
    this.limit = options.maxTableSize ?? DEFAULT_TABLE_SIZE;
    this.table = new DynamicTable(this.limit);
    this.maxListSize = options.maxHeaderListSize ?? DEFAULT_MAX_HEADER_LIST_SIZE;
  }

  /**
   * Our SETTINGS_HEADER_TABLE_SIZE changed (call when the peer acknowledges the
   * SETTINGS). If it went below the table's current maximum, the peer's next block
   * must begin with a size update to within it (§4.2).
   */
  setMaxTableSize(size: number): void {
    this.limit = size;
    if (size < this.table.maxSize) this.pendingLimit = size;
  }

  /**
   * Decodes one complete header block (the fragments of HEADERS and its
   * CONTINUATION frames, joined). `streamId` names the stream in a stream error.
   *
   * A block made only of one-octet indexed fields (every octet has its top bit set:
   * what a peer sends for metadata it sent before — gRPC's request headers, response
   * headers and trailers) changes nothing in the table, so its list depends only on
   * its bytes and the table's contents: it is decoded once per table state and
   * looked up after that (a copy is returned). Measured in test/h2/bench-pairs.ts.
   */
  decode(block: Uint8Array, streamId = 0): string[] {
    if (block.length === 0 || block.length > MAX_CACHED_BLOCK || this.pendingLimit !== undefined || !allIndexed(block))
      return this.decodeBlock(block, streamId);
    const cache = (this.cache ??= new Map());
    if (this.cacheChanges !== this.table.changes) {
      cache.clear();
      this.cacheChanges = this.table.changes;
    }
    const key = latin1(block, 0, block.length);
    const hit = cache.get(key);
    if (hit !== undefined) {
      this.neverIndexed.length = 0;
      return hit.slice();
    }
    const headers = this.decodeBlock(block, streamId); // an error is thrown, and not cached
    if (cache.size < MAX_CACHED_BLOCKS) cache.set(key, headers.slice());
    return headers;
  }

  /** Made at the first block of indexed fields only (a connection whose peer never sends one holds no Map). */
  private cache: Map<string, string[]> | undefined;
  /** The table's `changes` when the cache was filled. */
  private cacheChanges = -1;

  private decodeBlock(block: Uint8Array, streamId: number): string[] {
    const r = reader;
    r.reset(block);
    const table = this.table;
    const headers: string[] = [];
    this.neverIndexed.length = 0;
    let listSize = 0;
    let malformed: string | undefined;
    let regularSeen = false;
    let fieldSeen = false;

    while (!r.done) {
      const first = r.peek();
      let name: string;
      let value: string;
      let never = false;
      if (first >= 0x80) {
        // §6.1 indexed field
        [name, value] = this.entry(r.integer(7));
      } else if (first >= 0x40) {
        // §6.2.1 literal with incremental indexing: kept in the table, so shared across decoders when short
        const index = r.integer(6);
        name = index === 0 ? shared(r.string()) : this.entry(index)[0];
        value = shared(r.string());
        table.add(name, value);
      } else if (first >= 0x20) {
        // §6.3 dynamic table size update
        if (fieldSeen)
          throw H2Error.connection(ErrorCode.COMPRESSION_ERROR, 'HPACK table size update after a field of the block');
        const size = r.integer(5);
        if (size > this.limit)
          throw H2Error.connection(
            ErrorCode.COMPRESSION_ERROR,
            `HPACK table size update to ${size}, above SETTINGS_HEADER_TABLE_SIZE ${this.limit}`,
          );
        table.setMaxSize(size);
        if (this.pendingLimit !== undefined && size <= this.pendingLimit) this.pendingLimit = undefined;
        continue;
      } else {
        // §6.2.2 without indexing (0000), §6.2.3 never indexed (0001)
        const index = r.integer(4);
        name = index === 0 ? r.string() : this.entry(index)[0];
        value = r.string();
        never = first >= 0x10;
      }
      if (!fieldSeen) {
        fieldSeen = true;
        if (this.pendingLimit !== undefined)
          throw H2Error.connection(
            ErrorCode.COMPRESSION_ERROR,
            `HPACK block lacks the table size update to at most ${this.pendingLimit} that SETTINGS required`,
          );
      }
      // Past the limit, fields are decoded (the table must follow the peer) but not kept.
      if (listSize > this.maxListSize) continue;
      listSize += entrySize(name, value);
      if (listSize > this.maxListSize) continue;
      if (malformed === undefined) {
        malformed = fieldProblem(name, value);
        if (name.charCodeAt(0) === 0x3a) {
          if (regularSeen) malformed ??= `pseudo-header ${name} after a regular field`;
        } else regularSeen = true;
      }
      if (never) this.neverIndexed.push(headers.length >> 1);
      headers.push(name, value);
    }
    r.release();

    if (!fieldSeen && this.pendingLimit !== undefined)
      throw H2Error.connection(
        ErrorCode.COMPRESSION_ERROR,
        `HPACK block lacks the table size update to at most ${this.pendingLimit} that SETTINGS required`,
      );
    if (listSize > this.maxListSize)
      throw H2Error.stream(
        streamId,
        ErrorCode.ENHANCE_YOUR_CALM,
        `header list larger than ${this.maxListSize} octets (SETTINGS_MAX_HEADER_LIST_SIZE)`,
      );
    if (malformed !== undefined) throw H2Error.stream(streamId, ErrorCode.PROTOCOL_ERROR, malformed);
    return headers;
  }

  /** The [name, value] at HPACK index `index` (static, then dynamic). */
  private entry(index: number): readonly [string, string] {
    if (index === 0) throw H2Error.connection(ErrorCode.COMPRESSION_ERROR, 'HPACK index 0');
    if (index <= STATIC_TABLE_LENGTH) return STATIC_TABLE[index - 1]!;
    const entry = this.table.get(index - STATIC_TABLE_LENGTH);
    if (entry === undefined)
      throw H2Error.connection(
        ErrorCode.COMPRESSION_ERROR,
        `HPACK index ${index} is past the tables (61 static, ${this.table.length} dynamic)`,
      );
    return entry;
  }
}

/** Blocks up to this many octets, this many of them per table state, are remembered. */
const MAX_CACHED_BLOCK = 64;
const MAX_CACHED_BLOCKS = 32;

function allIndexed(block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i++) if (block[i]! < 0x80) return false;
  return true;
}

/**
 * RFC 9113 §8.2.1: a field name is lower-case token chars (a pseudo-header has one
 * leading ':'); a value has no NUL, CR or LF, and no space or tab at either end.
 */
function fieldProblem(name: string, value: string): string | undefined {
  if (name.length === 0) return 'empty field name';
  for (let i = name.charCodeAt(0) === 0x3a ? 1 : 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0x7f || TOKEN[c] !== 1)
      return c >= 0x41 && c <= 0x5a
        ? `field name ${JSON.stringify(name)} has upper case`
        : `field name ${JSON.stringify(name)} has char 0x${c.toString(16)}`;
  }
  if (name === ':') return 'field name ":" is empty after the colon';
  if (CONNECTION_SPECIFIC.has(name)) return `connection-specific field ${name} is not allowed in HTTP/2 (§8.2.2)`;
  if (name === 'te' && value !== 'trailers') return `te may only be "trailers" in HTTP/2 (§8.2.2)`;
  const n = value.length;
  if (n > 0) {
    const a = value.charCodeAt(0);
    const z = value.charCodeAt(n - 1);
    if (a === 0x20 || a === 0x09 || z === 0x20 || z === 0x09) return `value of ${name} starts or ends with white space`;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c === 0x00 || c === 0x0a || c === 0x0d) return `value of ${name} has char 0x${c.toString(16)}`;
    }
  }
  return undefined;
}

/** RFC 9110 §5.6.2 tchar, lower case only: ! # $ % & ' * + - . ^ _ ` | ~ digits a–z. */
const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") TOKEN[c.charCodeAt(0)] = 1;

/** RFC 9113 §8.2.2: fields of HTTP/1.1 connection management, which HTTP/2 does without. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);
