/**
 * A request's header fields as a server call keeps them for its handler.
 *
 * node:http2 hands each new stream its headers twice: as an object (`{
 * ':path': ..., 'content-type': ... }`) and as the flat list it was built
 * from (`[name, value, name, value, ...]`, the 'stream' event's rawHeaders).
 * The object has a null prototype, so V8 keeps it in dictionary mode: a hash
 * table of ~0.5 KiB for a dozen fields, against ~0.15 KiB for the list.
 * A call lives across several ticks, so whatever it holds is copied out of
 * the young generation and promoted; at thousands of calls a second that is
 * the difference between a heap that stays small and one that grows between
 * full collections. So a call keeps the list — and only when some field is
 * metadata: most calls carry none, and then it keeps nothing but the values it
 * uses (`:path`, `grpc-accept-encoding`). It builds a record only when a
 * handler asks for the metadata.
 *
 * HTTP/2 field names arrive lower-case. A field sent more than once keeps
 * every value, in order (node's object would join most of them with ", ").
 */
import type { IncomingHttpHeaders } from 'node:http2';
import { isReservedHeader, type HeaderRecord } from '../wire/grpc/metadata.js';

/** The flat list, or (HTTP/1.1 gRPC-Web, tests) a header object. */
export type ReceivedHeaders = readonly string[] | IncomingHttpHeaders;

/** One field's value: the first, when it was sent more than once. */
export function receivedHeader(headers: ReceivedHeaders, name: string): string | undefined {
  if (!Array.isArray(headers)) {
    const value = (headers as IncomingHttpHeaders)[name];
    return Array.isArray(value) ? value[0] : value;
  }
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === name) return headers[i + 1];
  }
  return undefined;
}

/** Whether any field is metadata (not an HTTP/2 pseudo-header nor one of gRPC's own). */
export function hasMetadata(headers: ReceivedHeaders): boolean {
  if (!Array.isArray(headers)) return Object.keys(headers).some((name) => !isReservedHeader(name));
  for (let i = 0; i < headers.length; i += 2) {
    if (!isReservedHeader(headers[i]!)) return true;
  }
  return false;
}

/** Every field, as a record: a repeated field's values as an array. */
export function receivedRecord(headers: ReceivedHeaders): HeaderRecord {
  if (!Array.isArray(headers)) return headers as HeaderRecord;
  const record: HeaderRecord = {};
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    const seen = Object.hasOwn(record, name) ? record[name] : undefined;
    if (seen === undefined) setField(record, name, value);
    else if (Array.isArray(seen)) seen.push(value);
    else record[name] = [String(seen), value];
  }
  return record;
}

function setField(record: HeaderRecord, name: string, value: string): void {
  // `record.__proto__ = v` would set the prototype instead of adding a field.
  if (name === '__proto__')
    Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
  else record[name] = value;
}
