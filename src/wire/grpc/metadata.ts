/**
 * gRPC metadata (grpc/grpc doc/PROTOCOL-HTTP2.md): the custom header fields of a call.
 *
 *     Custom-Metadata → Binary-Header / ASCII-Header
 *     Binary-Header   → {Header-Name "-bin" } {base64 encoded value}
 *     ASCII-Header    → Header-Name ASCII-Value
 *     Header-Name     → 1*( %x30-39 / %x61-7A / "_" / "-" / "." ) ; 0-9 a-z _ - .
 *     ASCII-Value     → 1*( %x20-%x7E ) ; space and printable ASCII
 *
 * This file is the container. A key or value that is not valid metadata,
 * handed to it by this program, is this program's mistake: a TypeError.
 * Received header fields are the peer's: received-metadata.ts reads them
 * and answers what is not valid with GrpcError(INTERNAL).
 */
import { encodeBase64 } from '../proto/base64.js';

/** A metadata value: text for ordinary keys, bytes for keys ending in `-bin`. */
export type MetadataValue = string | Uint8Array;

/** What `node:http2` (and any HTTP/2 library) hands us: header name → value(s). */
export type HeaderRecord = Record<string, string | string[] | number | undefined>;

const KEY = /^[0-9a-z_.-]+$/;
// Printable ASCII, space included (spec: Value → 1*( %x20-%x7E )). We also
// allow an empty value, which every implementation accepts.
const ASCII_VALUE = /^[\x20-\x7e]*$/;

/** Headers that belong to HTTP/2 or to gRPC itself and never surface as metadata. */
export function isReservedHeader(key: string): boolean {
  if (key.charCodeAt(0) === 58 /* : */) return true;
  switch (key) {
    case 'content-type':
    case 'te':
    case 'user-agent':
    case 'host':
    case 'connection':
    case 'transfer-encoding':
    case 'grpc-timeout':
    case 'grpc-encoding':
    case 'grpc-accept-encoding':
    case 'grpc-status':
    case 'grpc-message':
    case 'grpc-status-details-bin':
    case 'content-length':
    case 'accept-encoding':
      return true;
  }
  return false;
}

/**
 * gRPC metadata: an ordered multimap from lower-case ASCII keys to values.
 * Stored in a Map, so keys such as `__proto__` or `constructor` are ordinary
 * keys and can never reach an object's prototype.
 */
export class Metadata {
  private readonly map = new Map<string, MetadataValue[]>();

  constructor(init?: Record<string, MetadataValue | MetadataValue[]> | Iterable<[string, MetadataValue]>) {
    if (init === undefined) return;
    if (Symbol.iterator in init) {
      for (const [k, v] of init as Iterable<[string, MetadataValue]>) this.add(k, v);
    } else {
      for (const k of Object.keys(init)) {
        const v = (init as Record<string, MetadataValue | MetadataValue[]>)[k]!;
        if (Array.isArray(v)) for (const x of v) this.add(k, x);
        else this.add(k, v);
      }
    }
  }

  /** Appends a value. Throws TypeError for an invalid key or value. */
  add(key: string, value: MetadataValue): this {
    const k = normalizeKey(key);
    checkValue(k, value);
    const list = this.map.get(k);
    if (list) list.push(value);
    else this.map.set(k, [value]);
    return this;
  }

  /** Replaces every value of `key` with this one. */
  set(key: string, value: MetadataValue): this {
    const k = normalizeKey(key);
    checkValue(k, value);
    this.map.set(k, [value]);
    return this;
  }

  get(key: string): MetadataValue | undefined {
    return this.map.get(key.toLowerCase())?.[0];
  }

  getAll(key: string): MetadataValue[] {
    return this.map.get(key.toLowerCase())?.slice() ?? [];
  }

  has(key: string): boolean {
    return this.map.has(key.toLowerCase());
  }

  delete(key: string): boolean {
    return this.map.delete(key.toLowerCase());
  }

  get size(): number {
    return this.map.size;
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  /** Every (key, value) pair, a key repeated once per value. */
  *entries(): IterableIterator<[string, MetadataValue]> {
    for (const [k, list] of this.map) for (const v of list) yield [k, v];
  }

  [Symbol.iterator](): IterableIterator<[string, MetadataValue]> {
    return this.entries();
  }

  clone(): Metadata {
    const copy = emptyMetadata();
    for (const [k, list] of this.map) copy.map.set(k, list.slice());
    return copy;
  }

  /** Adds every entry of `other` to this one. */
  merge(other: Metadata): this {
    for (const [k, list] of other.map) {
      const mine = this.map.get(k);
      if (mine) mine.push(...list);
      else this.map.set(k, list.slice());
    }
    return this;
  }

  /** A plain object for logs and JSON: `-bin` values as unpadded base64. */
  toJSON(): Record<string, string[]> {
    const out: Record<string, string[]> = Object.create(null);
    for (const [k, list] of this.map)
      out[k] = list.map((v) => (typeof v === 'string' ? v : encodeBase64(v, { pad: false })));
    return out;
  }

  /**
   * Header fields for the wire: `-bin` values base64 (unpadded), several
   * values of one key as an array (each becomes its own header field).
   *
   * With `skipReserved`, keys that HTTP/2 or gRPC own (`content-type`,
   * `grpc-status`, `:status`, ... see isReservedHeader) are left out: a
   * transport writing metadata next to its own fields uses it, so that an
   * application's metadata can never replace or forge a protocol field
   * (PROTOCOL-HTTP2.md: Custom-Metadata is any header *not* defined by gRPC).
   */
  toHeaders(into: HeaderRecord = {}, options?: { skipReserved?: boolean }): HeaderRecord {
    const skipReserved = options?.skipReserved === true;
    for (const [k, list] of this.map) {
      if (skipReserved && isReservedHeader(k)) continue;
      const value = list.length === 1 ? encodeValue(list[0]!) : list.map(encodeValue);
      // `into.__proto__ = x` would set the object's prototype (or be ignored)
      // instead of adding a field: define that one key as an own property.
      if (k === '__proto__')
        Object.defineProperty(into, k, { value, enumerable: true, writable: true, configurable: true });
      else into[k] = value;
    }
    return into;
  }

  /**
   * @internal received-metadata.ts: values of a key already checked (lower-case, valid, values of its kind),
   * appended without checking them again.
   */
  appendChecked(key: string, values: MetadataValue[]): void {
    const seen = this.map.get(key);
    if (seen) seen.push(...values);
    else this.map.set(key, values);
  }
}

/** Whether `key` is a valid metadata key once lower-cased: 0-9 a-z _ . - (at least one). */
export function isMetadataKey(key: string): boolean {
  return key.length > 0 && KEY.test(key);
}

/** Whether `value` may be the value of an ASCII (not `-bin`) key: printable ASCII and space. */
export function isAsciiValue(value: string): boolean {
  return ASCII_VALUE.test(value);
}

function normalizeKey(key: string): string {
  const k = key.toLowerCase();
  if (!isMetadataKey(k))
    throw new TypeError(`metadata key ${JSON.stringify(key)} is not valid (allowed: 0-9 a-z _ . -)`);
  return k;
}

function checkValue(key: string, value: MetadataValue): void {
  const binary = key.endsWith('-bin');
  if (binary) {
    if (!(value instanceof Uint8Array)) throw new TypeError(`metadata "${key}": a -bin key takes a Uint8Array value`);
  } else if (typeof value !== 'string' || !isAsciiValue(value)) {
    throw new TypeError(`metadata "${key}": value must be printable ASCII`);
  }
}

function encodeValue(v: MetadataValue): string {
  return typeof v === 'string' ? v : encodeBase64(v, { pad: false });
}

// Outside the class body: a class that names itself inside its body is emitted by esbuild as
// `var Metadata = class _Metadata`, and `_Metadata` is what util.inspect would print (test/h2/bundle-names.test.ts).
function emptyMetadata(): Metadata {
  return new Metadata();
}
