/**
 * Metadata from header fields a peer sent (PROTOCOL-HTTP2.md, Custom-Metadata):
 *
 *     x-request-id: 7f3a                 → "x-request-id": ["7f3a"]
 *     trace-bin: AAEC, AwQ               → "trace-bin": [00 01 02, 03 04]   (base64, values split at commas)
 *     content-type: application/grpc     → left out: reserved for HTTP/2 and gRPC
 *
 * What the peer sent is the peer's mistake when it is not valid metadata: a key
 * outside 0-9 a-z _ . -, a `-bin` value that is not base64, an ASCII value with
 * bytes outside printable ASCII. `metadataFromHeaders` answers that with
 * GrpcError(INTERNAL), as the gRPC spec asks of a malformed call;
 * `metadataFromReceived` is for blocks that cannot be refused any more (a status
 * already received, a browser's response): it leaves such fields out and keeps
 * the rest.
 */
import { decodeBase64 } from '../proto/base64.js';
import { Code } from './code.js';
import { GrpcError } from './error.js';
import {
  Metadata,
  isAsciiValue,
  isMetadataKey,
  isReservedHeader,
  type HeaderRecord,
  type MetadataValue,
} from './metadata.js';

/**
 * Metadata from received header fields, leaving out reserved ones. Throws
 * GrpcError(INTERNAL) for a key that is not valid metadata or a value that is
 * not valid for its key. A `-bin` field may carry several values joined by commas.
 */
export function metadataFromHeaders(headers: HeaderRecord): Metadata {
  const md = new Metadata();
  for (const key of Object.keys(headers)) {
    // Field names arrive lower-case from HTTP/2, but a HeaderRecord may come from
    // elsewhere: `TE` is `te`, reserved, and must not pass for metadata.
    const k = key.toLowerCase();
    if (isReservedHeader(k)) continue;
    const raw = headers[key];
    if (raw === undefined) continue;
    if (!isMetadataKey(k)) throw invalid(`metadata key ${JSON.stringify(key)} is not valid (allowed: 0-9 a-z _ . -)`);
    const values = Array.isArray(raw) ? raw : [String(raw)];
    const list: MetadataValue[] = [];
    for (const value of values) {
      if (k.endsWith('-bin')) {
        for (const part of value.split(',')) {
          const bytes = decodeBase64(part.trim());
          if (bytes === undefined) throw invalid(`metadata "${k}": value is not base64`);
          list.push(bytes);
        }
      } else {
        if (!isAsciiValue(value)) throw invalid(`metadata "${k}": value must be printable ASCII`);
        list.push(value);
      }
    }
    // Two field names that differ only in case are one key.
    md.appendChecked(k, list);
  }
  return md;
}

/**
 * `metadataFromHeaders` for fields we received and cannot send back: what is not
 * valid metadata (a bad key or `-bin` value, a field a proxy or browser added) is
 * left out instead of failing the whole block.
 */
export function metadataFromReceived(headers: HeaderRecord): Metadata {
  try {
    return metadataFromHeaders(headers);
  } catch {
    // Rare: keep the valid fields, one key at a time.
    const md = new Metadata();
    for (const key of Object.keys(headers)) {
      try {
        md.merge(metadataFromHeaders({ [key]: headers[key] }));
      } catch {
        // dropped: not valid metadata
      }
    }
    return md;
  }
}

function invalid(message: string): GrpcError {
  return new GrpcError(Code.INTERNAL, message);
}
