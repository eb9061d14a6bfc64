/**
 * The ceiling: a gRPC server written straight on node:http2 with no gRPC library. It decodes every request and
 * encodes every response with protobufjs (per call, as an application would), frames by hand, batches streaming
 * writes, and sends grpc-status in trailers. Usage: node raw-server.js [--port 0]
 */
import http2 from 'node:http2';
import { encoding } from '../lib/protos.js';
import { MiniDeframer } from '../lib/deframe.js';
import {
  announce,
  DOWNLOAD_PATH,
  parseArgs,
  PINGPONG_PATH,
  UNARY_PATH,
  UPLOAD_PATH,
  userResponse,
} from '../lib/fixtures.js';

const { UserRequest, UserResponse, DownloadRequest, Chunk, UploadSummary } = encoding();
const RESPONSE_HEADERS = { ':status': 200, 'content-type': 'application/grpc' };
const OK_TRAILERS = { 'grpc-status': '0' };
const BATCH = 64 * 1024;
/** Keep up to this much queued on a stream before waiting for 'drain' (the stream's own mark is only 16 KiB). */
const QUEUE_LIMIT = 1024 * 1024;

function noop(): void {}
function sendOk(this: http2.ServerHttp2Stream): void {
  this.sendTrailers(OK_TRAILERS);
}

function frameOf(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out[0] = 0;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  return out;
}

/** Collect a unary request body (usually one chunk) and hand over its single message. */
function readOne(
  stream: http2.ServerHttp2Stream,
  then: (stream: http2.ServerHttp2Stream, message: Buffer) => void,
): void {
  let first: Buffer | undefined;
  let more: Buffer[] | undefined;
  stream.on('data', (d: Buffer) => {
    if (first === undefined) first = d;
    else (more ??= [first]).push(d);
  });
  stream.on('end', () => {
    const body = more ? Buffer.concat(more) : first;
    if (!body || body.length < 5) return fail(stream, 'missing request message');
    const len = body.readUInt32BE(1);
    if (body.length !== 5 + len) return fail(stream, 'bad request framing');
    then(stream, body.subarray(5));
  });
}

function fail(stream: http2.ServerHttp2Stream, message: string, code = 13): void {
  if (stream.headersSent || stream.destroyed) return;
  stream.respond(
    { ...RESPONSE_HEADERS, 'grpc-status': String(code), 'grpc-message': encodeURIComponent(message) },
    { endStream: true },
  );
}

function unary(stream: http2.ServerHttp2Stream, message: Buffer): void {
  const req = UserRequest.decode(message) as unknown as { name: string };
  const res = UserResponse.encode(userResponse(req.name)).finish();
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  stream.once('wantTrailers', sendOk);
  stream.end(frameOf(res));
}

/**
 * Server streaming: encode each message, pack small frames into 64 KiB batches (a large one is framed into its own
 * buffer), all in one corked writev per turn; keep at most QUEUE_LIMIT queued and resume on 'drain'.
 */
function download(stream: http2.ServerHttp2Stream, message: Buffer): void {
  const req = DownloadRequest.decode(message) as unknown as { count: number; size: number };
  const payload = { data: Buffer.alloc(req.size, 0x61) };
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  stream.once('wantTrailers', sendOk);
  let sent = 0;
  let batch = Buffer.allocUnsafe(BATCH);
  let at = 0;
  const pump = (): void => {
    stream.cork();
    while (sent < req.count && stream.writableLength < QUEUE_LIMIT) {
      const msg = Chunk.encode(payload).finish();
      const need = 5 + msg.length;
      if (need > BATCH - at && at > 0) {
        stream.write(batch.subarray(0, at));
        batch = Buffer.allocUnsafe(BATCH);
        at = 0;
      }
      if (need > BATCH) {
        // One contiguous buffer per frame: node:http2 turns each written chunk into its own DATA frame, so a
        // separate 5-byte prefix write would cost a frame of its own (measured: about half the throughput).
        stream.write(frameOf(msg));
      } else {
        batch[at] = 0;
        batch.writeUInt32BE(msg.length, at + 1);
        batch.set(msg, at + 5);
        at += need;
      }
      sent++;
    }
    if (sent === req.count) {
      if (at > 0) stream.write(batch.subarray(0, at));
      stream.end();
    }
    stream.uncork();
    if (sent < req.count) stream.once('drain', pump);
  };
  pump();
}

function upload(stream: http2.ServerHttp2Stream): void {
  const deframer = new MiniDeframer();
  let count = 0;
  let bytes = 0;
  const onMessage = (m: Buffer): void => {
    const c = Chunk.decode(m) as unknown as { data: Uint8Array };
    count++;
    bytes += c.data.length;
  };
  stream.on('data', (d: Buffer) => deframer.push(d, onMessage));
  stream.on('end', () => {
    stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
    stream.once('wantTrailers', sendOk);
    stream.end(frameOf(UploadSummary.encode({ count, bytes }).finish()));
  });
}

function pingPong(stream: http2.ServerHttp2Stream): void {
  const deframer = new MiniDeframer();
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  stream.once('wantTrailers', sendOk);
  const onMessage = (m: Buffer): void => {
    stream.write(frameOf(Chunk.encode(Chunk.decode(m)).finish()));
  };
  stream.on('data', (d: Buffer) => deframer.push(d, onMessage));
  stream.on('end', () => stream.end());
}

const args = parseArgs(process.argv.slice(2));
const server = http2.createServer();
server.on('stream', (stream, headers) => {
  stream.on('error', noop);
  switch (headers[':path']) {
    case UNARY_PATH:
      return readOne(stream, unary);
    case DOWNLOAD_PATH:
      return readOne(stream, download);
    case UPLOAD_PATH:
      return upload(stream);
    case PINGPONG_PATH:
      return pingPong(stream);
    default:
      stream.respond({ ...RESPONSE_HEADERS, 'grpc-status': '12' }, { endStream: true });
  }
});
server.on('sessionError', noop);
server.listen(Number(args.port ?? 0), '127.0.0.1', () => {
  const addr = server.address() as { port: number };
  announce('READY', { port: addr.port, pid: process.pid });
});
process.on('SIGTERM', () => process.exit(0));
