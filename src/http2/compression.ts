/**
 * Message compression (grpc/grpc doc/compression.md), the same on both sides.
 *
 * gRPC compresses each message on its own: the 5-byte prefix's flag says
 * whether this message is compressed, and the `grpc-encoding` header says with
 * what. `grpc-accept-encoding` lists what a peer can read. "deflate" means the
 * zlib format (RFC 1950), as in every gRPC implementation, not raw deflate.
 *
 * Inflation is bounded: zlib stops as soon as the output would exceed the
 * receive limit, so a small "gzip bomb" costs at most `limit` bytes of memory
 * and ends as RESOURCE_EXHAUSTED.
 *
 * node:zlib is imported on the first (de)compressed message, not with this
 * file: most channels never compress, and every process start would pay for it.
 */
import type zlib from 'node:zlib';
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import { frameOf } from './message-writer.js';

/** Every encoding we read and write besides "identity", most preferred first. */
export const SUPPORTED_ENCODINGS: readonly string[] = Object.freeze(['gzip', 'deflate']);

/** The value we send as `grpc-accept-encoding`. */
export const ACCEPT_ENCODING = 'identity,gzip,deflate';

/** Messages this small are (de)compressed on the calling thread: the threadpool round trip costs more. */
const SYNC_LIMIT = 32 * 1024;

let zlibModule: typeof zlib | undefined;

/** node:zlib, imported once, when the first message is compressed or inflated. */
async function loadZlib(): Promise<typeof zlib> {
  return (zlibModule ??= (await import('node:zlib')).default);
}

type ZlibAsync = (
  buf: Uint8Array,
  options: zlib.ZlibOptions,
  callback: (err: Error | null, out: Buffer) => void,
) => void;

/** One of zlib's callback functions, run on the threadpool, as a promise. */
function onThreadpool(fn: ZlibAsync, bytes: Uint8Array, options: zlib.ZlibOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    fn(bytes, options, (err, out) => (err === null ? resolve(out) : reject(err))),
  );
}

/** "identity", "gzip" or "deflate" (names are lower-case on the wire). */
export function isSupportedEncoding(name: string): boolean {
  return name === 'identity' || SUPPORTED_ENCODINGS.includes(name);
}

/**
 * The names in a `grpc-accept-encoding` (or `grpc-encoding`) header value,
 * lower-cased, blanks dropped.
 */
export function parseEncodingList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const text = Array.isArray(value) ? value.join(',') : value;
  const out: string[] = [];
  for (const part of text.split(',')) {
    const name = part.trim().toLowerCase();
    if (name !== '') out.push(name);
  }
  return out;
}

/** Whether a peer that sent this `grpc-accept-encoding` can read messages in `name`. */
export function acceptsEncoding(acceptHeader: string | string[] | undefined, name: string): boolean {
  if (name === 'identity') return true;
  if (acceptHeader === undefined) return false;
  return parseEncodingList(acceptHeader).includes(name);
}

/** Compresses one message. Throws GrpcError(INTERNAL) for an encoding we do not have. */
export async function compress(name: string, bytes: Uint8Array): Promise<Uint8Array> {
  switch (name) {
    case 'identity':
      return bytes;
    case 'gzip': {
      const z = zlibModule ?? (await loadZlib());
      return bytes.length <= SYNC_LIMIT ? z.gzipSync(bytes) : onThreadpool(z.gzip, bytes);
    }
    case 'deflate': {
      const z = zlibModule ?? (await loadZlib());
      return bytes.length <= SYNC_LIMIT ? z.deflateSync(bytes) : onThreadpool(z.deflate, bytes);
    }
  }
  throw new GrpcError(Code.INTERNAL, `compression "${name}" is not supported (supported: ${ACCEPT_ENCODING})`);
}

/**
 * `message` as a frame compressed with `name`, or as it is when compressing does not pay: the flag is
 * per message, so a peer that accepts the encoding takes either (the server's responses).
 */
export async function compressedFrame(name: string, message: Uint8Array): Promise<Uint8Array> {
  const payload = await compress(name, message);
  return payload.length < message.length ? frameOf(payload, true) : frameOf(message, false);
}

/**
 * Decompresses one message, refusing to produce more than `limit` bytes.
 * Throws GrpcError: RESOURCE_EXHAUSTED past the limit, INTERNAL for corrupt
 * data, UNIMPLEMENTED for an encoding we do not have.
 */
export async function decompress(name: string, bytes: Uint8Array, limit: number): Promise<Uint8Array> {
  const options: zlib.ZlibOptions = { maxOutputLength: Math.max(1, limit) };
  try {
    switch (name) {
      case 'identity':
        break;
      case 'gzip': {
        const z = zlibModule ?? (await loadZlib());
        return check(
          bytes.length <= SYNC_LIMIT ? z.gunzipSync(bytes, options) : await onThreadpool(z.gunzip, bytes, options),
          limit,
        );
      }
      case 'deflate': {
        const z = zlibModule ?? (await loadZlib());
        return check(
          bytes.length <= SYNC_LIMIT ? z.inflateSync(bytes, options) : await onThreadpool(z.inflate, bytes, options),
          limit,
        );
      }
      default:
        throw new GrpcError(
          Code.UNIMPLEMENTED,
          `compression "${name}" is not supported (supported: ${ACCEPT_ENCODING})`,
        );
    }
  } catch (err) {
    if (err instanceof GrpcError) throw err;
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit);
    throw new GrpcError(Code.INTERNAL, `could not decompress a ${name} message: ${(err as Error).message}`);
  }
  return check(bytes, limit);
}

function check(bytes: Uint8Array, limit: number): Uint8Array {
  if (bytes.length > limit) throw tooLarge(limit);
  return bytes;
}

function tooLarge(limit: number): GrpcError {
  return new GrpcError(Code.RESOURCE_EXHAUSTED, `decompressed message larger than the limit of ${limit} bytes`);
}
