/**
 * Header records (what the call layer builds and reads: request-headers.ts,
 * response-status.ts) and the flat lists src/h2's HPACK takes and gives:
 *
 *   { ':method': 'POST', ':path': '/a.B/C', te: 'trailers', 'x-k': ['1', '2'] }
 *     ⇄ [':method', 'POST', ':path', '/a.B/C', 'te', 'trailers', 'x-k', '1', 'x-k', '2']
 *
 * Pseudo-headers go first (RFC 9113 §8.3), whatever the record's key order
 * (callHeaders puts metadata before the template). A method's constant
 * template (request-headers.ts methodHeaders) is flattened once: the list is
 * kept beside the record it came from; a call's own record is flattened for it.
 */
import type { HeaderRecord } from '../wire/grpc/metadata.js';
import type { ReceivedHeaders } from './h2-client-session.js';
import { isTemplate } from './request-headers.js';

const flattened = new WeakMap<HeaderRecord, readonly string[]>();

/** The record as a flat list, pseudo-headers first; a method's template is flattened once (one call's own headers each time). */
export function flatHeaders(headers: HeaderRecord): readonly string[] {
  if (!isTemplate(headers)) return flatten(headers);
  let list = flattened.get(headers);
  if (list === undefined) {
    list = flatten(headers);
    flattened.set(headers, list);
  }
  return list;
}

function flatten(headers: HeaderRecord): string[] {
  const pseudo: string[] = [];
  const regular: string[] = [];
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const into = key.startsWith(':') ? pseudo : regular;
    if (Array.isArray(value)) for (const v of value) into.push(key, v);
    else into.push(key, String(value));
  }
  for (const item of regular) pseudo.push(item);
  return pseudo;
}

/** A received flat list as a record: `:status` a number, a repeated field an array of its values in order. */
export function headerRecord(list: readonly string[]): ReceivedHeaders {
  const record: ReceivedHeaders = {};
  for (let i = 0; i + 1 < list.length; i += 2) {
    const name = list[i]!;
    const value = list[i + 1]!;
    if (name === ':status') {
      record[':status'] = Number(value);
      continue;
    }
    const seen = record[name];
    if (seen === undefined) record[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else record[name] = [String(seen), value];
  }
  return record;
}
