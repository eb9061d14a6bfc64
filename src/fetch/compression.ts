/**
 * Message compression for the fetch handler, with the web's own streams: `CompressionStream` and
 * `DecompressionStream` (Compression Streams standard; in workerd, Deno, Bun, browsers and Node ≥ 18), where
 * src/http2/compression.ts has node:zlib. The same names and meanings: "gzip" (RFC 1952) and "deflate" — the zlib
 * format (RFC 1950), as in every gRPC implementation, which is also what the standard calls "deflate".
 *
 * Inflation is bounded as node's is: the compressed message is fed in small slices while the output is counted,
 * and reading stops as soon as the output passes the receive limit — a "gzip bomb" costs at most the limit plus
 * what one slice inflates to (deflate's ratio is at most ~1032:1: 1 KiB in, ~1 MiB out), and ends as
 * RESOURCE_EXHAUSTED. Without the streams (an old runtime) no encoding but identity is offered or accepted.
 */
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';

/** Compressed bytes are written to the decompressor this many at a time (see above). */
const SLICE = 1024;

/** Whether this runtime has the Compression Streams. */
export const HAVE_STREAMS =
  typeof globalThis.CompressionStream === 'function' && typeof globalThis.DecompressionStream === 'function';

/** `grpc-accept-encoding`, what we read (and can write): gzip and deflate only with the streams. */
export const FETCH_ACCEPT_ENCODING = HAVE_STREAMS ? 'identity,gzip,deflate' : 'identity';

/** "identity", or "gzip"/"deflate" where the streams exist. */
export function canEncode(name: string): boolean {
  return name === 'identity' || (HAVE_STREAMS && (name === 'gzip' || name === 'deflate'));
}

/** The bytes a readable stream yields, joined; throws `tooLarge()` once past `limit`. */
async function collect(readable: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Writes `bytes` to a transform's writable side, `slice` bytes at a time as it takes them; never rejects. */
async function feed(writable: WritableStream<Uint8Array>, bytes: Uint8Array, slice: number): Promise<void> {
  const writer = writable.getWriter();
  try {
    for (let offset = 0; offset < bytes.length; offset += slice) {
      await writer.ready;
      await writer.write(bytes.subarray(offset, Math.min(bytes.length, offset + slice)));
    }
    await writer.close();
  } catch {
    // The reading side failed (corrupt data) or stopped (over the limit): it reports why.
  }
}

/** Compresses one message with `name` ("identity": as is). */
export async function compress(name: string, bytes: Uint8Array): Promise<Uint8Array> {
  if (name === 'identity') return bytes;
  if (!canEncode(name))
    throw new GrpcError(Code.INTERNAL, `compression "${name}" is not supported (supported: ${FETCH_ACCEPT_ENCODING})`);
  const stream = new CompressionStream(name as 'gzip' | 'deflate');
  const written = feed(stream.writable, bytes, Math.max(bytes.length, 1));
  const out = await collect(stream.readable, Number.MAX_SAFE_INTEGER);
  await written;
  return out;
}

/**
 * Decompresses one message, producing at most `limit` bytes. Throws GrpcError: RESOURCE_EXHAUSTED past the limit,
 * INTERNAL for corrupt data, UNIMPLEMENTED for an encoding we do not have.
 */
export async function decompress(name: string, bytes: Uint8Array, limit: number): Promise<Uint8Array> {
  if (name === 'identity') {
    if (bytes.length > limit) throw tooLarge(limit);
    return bytes;
  }
  if (!canEncode(name))
    throw new GrpcError(
      Code.UNIMPLEMENTED,
      `compression "${name}" is not supported (supported: ${FETCH_ACCEPT_ENCODING})`,
    );
  const stream = new DecompressionStream(name as 'gzip' | 'deflate');
  const written = feed(stream.writable, bytes, SLICE);
  try {
    return await collect(stream.readable, limit);
  } catch (err) {
    if (err instanceof GrpcError) throw err;
    throw new GrpcError(Code.INTERNAL, `could not decompress a ${name} message: ${(err as Error).message}`);
  } finally {
    await written;
  }
}

function tooLarge(limit: number): GrpcError {
  return new GrpcError(Code.RESOURCE_EXHAUSTED, `decompressed message larger than the limit of ${limit} bytes`);
}
