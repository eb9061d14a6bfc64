/**
 * The hand-written client on node:http2 (no gRPC library), used as the client ceiling and as the common load
 * generator of the streaming and memory suites (so that only the server differs there).
 * Usage: node raw-client.js --mode unary|download|upload|pingpong|idle --target 127.0.0.1:PORT [...]
 *   unary:    --concurrency N --duration MS --warmup MS  (encode/decode with protobufjs per call)
 *   download: --count N --size BYTES                     (server streaming; counts frames, verifies trailers)
 *   upload:   --count N --size BYTES                     (client streaming; verifies the server's summary)
 *   pingpong: --count N --duration MS --size BYTES       (bidi round trips, one message in flight)
 *   idle:     --connections N                            (N connections, one call each, then held until SIGTERM)
 */
import http2 from 'node:http2';
import { performance } from 'node:perf_hooks';
import { encoding } from '../lib/protos.js';
import { closedLoop } from '../lib/closed-loop.js';
import {
  announce,
  DOWNLOAD_PATH,
  frame,
  parseArgs,
  PINGPONG_PATH,
  UNARY_PATH,
  UPLOAD_PATH,
  USER_REQUEST,
} from '../lib/fixtures.js';

const { UserRequest, UserResponse, DownloadRequest, Chunk, UploadSummary } = encoding();
const args = parseArgs(process.argv.slice(2));
const url = `http://${args.target}`;
const MiB = 1024 * 1024;

function headersFor(path: string): http2.OutgoingHttpHeaders {
  return { ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' };
}
const UNARY_HEADERS = headersFor(UNARY_PATH);

/**
 * Like any serious gRPC client (grpc-go, grpc-js's BDP probe), open the flow-control windows wide, so that
 * streaming throughput measures the server, not 64 KiB windows and WINDOW_UPDATE round trips.
 */
const WINDOW = 16 * 1024 * 1024;

function connect(): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = http2.connect(url, { settings: { initialWindowSize: WINDOW } });
    s.once('connect', () => {
      s.setLocalWindowSize(WINDOW);
      resolve(s);
    });
    s.once('error', reject);
  });
}

function checkTrailers(t: http2.IncomingHttpHeaders): string | undefined {
  const status = t['grpc-status'];
  return status === '0' ? undefined : `grpc-status ${status} ${t['grpc-message'] ?? ''}`;
}

/** One unary call: encode, frame, send; collect, check grpc-status, decode. */
function unaryCall(session: http2.ClientHttp2Session, body?: Buffer): Promise<{ name: string }> {
  return new Promise((resolve, reject) => {
    const req = session.request(UNARY_HEADERS);
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let failure: string | undefined = 'no trailers';
    req.on('response', (h) => {
      if (h['grpc-status'] !== undefined) failure = checkTrailers(h);
    });
    req.on('trailers', (t) => {
      failure = checkTrailers(t);
    });
    req.on('data', (d: Buffer) => {
      if (first === undefined) first = d;
      else (more ??= [first]).push(d);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (failure !== undefined) return reject(new Error(failure));
      const all = more ? Buffer.concat(more) : first;
      if (!all || all.length < 5) return reject(new Error('no response message'));
      resolve(UserResponse.decode(all.subarray(5, 5 + all.readUInt32BE(1))) as unknown as { name: string });
    });
    req.end(body ?? frame(UserRequest.encode(USER_REQUEST).finish()));
  });
}

/** Counts gRPC frames in a byte stream without decoding or copying them. */
class FrameCounter {
  frames = 0;
  /** 'data' events seen: how finely the server's writes reached us (one per DATA frame or coalesced read). */
  chunks = 0;
  payloadBytes = 0;
  private header = 0; // header bytes still to read for the current frame
  private lenBytes = 0; // accumulated length while reading a split header
  private remaining = 0; // payload bytes still to skip
  constructor() {
    this.header = 5;
  }
  push(d: Buffer): void {
    this.chunks++;
    let at = 0;
    while (at < d.length) {
      if (this.header > 0) {
        if (this.header <= 4) this.lenBytes = this.lenBytes * 256 + d[at]!;
        this.header--;
        at++;
        if (this.header === 0) {
          this.remaining = this.lenBytes;
          this.payloadBytes += this.lenBytes;
          this.lenBytes = 0;
          if (this.remaining === 0) {
            this.frames++;
            this.header = 5;
          }
        }
      } else {
        const take = Math.min(this.remaining, d.length - at);
        at += take;
        this.remaining -= take;
        if (this.remaining === 0) {
          this.frames++;
          this.header = 5;
        }
      }
    }
  }
}

function stream(
  session: http2.ClientHttp2Session,
  path: string,
  onData: (d: Buffer) => void,
): { req: http2.ClientHttp2Stream; done: Promise<void> } {
  const req = session.request(headersFor(path));
  const done = new Promise<void>((resolve, reject) => {
    let failure: string | undefined = 'no trailers';
    req.on('response', (h) => {
      if (h['grpc-status'] !== undefined) failure = checkTrailers(h);
    });
    req.on('trailers', (t) => {
      failure = checkTrailers(t);
    });
    req.on('data', onData);
    req.on('error', reject);
    req.on('end', () => (failure === undefined ? resolve() : reject(new Error(failure))));
  });
  return { req, done };
}

async function download(
  session: http2.ClientHttp2Session,
  count: number,
  size: number,
): Promise<{ secs: number; bytesPerRead: number }> {
  const counter = new FrameCounter();
  const t0 = performance.now();
  const { req, done } = stream(session, DOWNLOAD_PATH, (d) => counter.push(d));
  req.end(frame(DownloadRequest.encode({ count, size }).finish()));
  await done;
  const secs = (performance.now() - t0) / 1000;
  if (counter.frames !== count) throw new Error(`download: got ${counter.frames} messages, expected ${count}`);
  return { secs, bytesPerRead: (counter.payloadBytes + 5 * counter.frames) / counter.chunks };
}

async function writeAll(
  req: http2.ClientHttp2Stream,
  batch: Buffer,
  perBatch: number,
  count: number,
  one: Buffer,
): Promise<void> {
  let left = count;
  while (left > 0) {
    let ok = true;
    while (left > 0 && ok) {
      if (left >= perBatch) {
        ok = req.write(batch);
        left -= perBatch;
      } else {
        ok = req.write(one);
        left--;
      }
    }
    if (!ok) await new Promise((r) => req.once('drain', r));
  }
}

async function upload(session: http2.ClientHttp2Session, count: number, size: number): Promise<number> {
  const one = frame(Chunk.encode({ data: Buffer.alloc(size, 0x62) }).finish());
  const perBatch = Math.max(1, Math.floor((64 * 1024) / one.length));
  const batch = Buffer.concat(Array.from({ length: perBatch }, () => one));
  const chunks: Buffer[] = [];
  const t0 = performance.now();
  const { req, done } = stream(session, UPLOAD_PATH, (d) => chunks.push(d));
  await writeAll(req, batch, perBatch, count, one);
  req.end();
  await done;
  const secs = (performance.now() - t0) / 1000;
  const body = Buffer.concat(chunks);
  const summary = UploadSummary.decode(body.subarray(5)) as unknown as { count: number; bytes: number };
  if (summary.count !== count || summary.bytes !== count * size) {
    throw new Error(
      `upload: server counted ${summary.count} messages / ${summary.bytes} bytes, sent ${count} / ${count * size}`,
    );
  }
  return secs;
}

async function pingPong(
  session: http2.ClientHttp2Session,
  maxCount: number,
  durationMs: number,
  size: number,
): Promise<{ trips: number; secs: number }> {
  const ping = frame(Chunk.encode({ data: Buffer.alloc(size, 0x63) }).finish());
  let wake: (() => void) | undefined;
  const counter = new FrameCounter();
  const { req, done } = stream(session, PINGPONG_PATH, (d) => {
    const before = counter.frames;
    counter.push(d);
    if (counter.frames > before && wake) {
      const w = wake;
      wake = undefined;
      w();
    }
  });
  const t0 = performance.now();
  const end = t0 + durationMs;
  let trips = 0;
  while (trips < maxCount && performance.now() < end) {
    const echoed = new Promise<void>((r) => {
      wake = r;
    });
    req.write(ping);
    await echoed;
    trips++;
    if (counter.frames !== trips) throw new Error(`pingpong: ${counter.frames} echoes after ${trips} pings`);
  }
  const secs = (performance.now() - t0) / 1000;
  req.end();
  await done;
  return { trips, secs };
}

async function idle(n: number): Promise<void> {
  const sessions: http2.ClientHttp2Session[] = [];
  const body = frame(UserRequest.encode(USER_REQUEST).finish());
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => connect()));
    await Promise.all(batch.map((s) => unaryCall(s, body)));
    sessions.push(...batch);
  }
  announce('READY', { connections: sessions.length });
  process.on('SIGTERM', () => process.exit(0));
  setInterval(() => {}, 1 << 30);
}

async function main(): Promise<void> {
  const mode = args.mode ?? 'unary';
  if (mode === 'idle') return idle(Number(args.connections ?? 1000));
  const session = await connect();
  const count = Number(args.count ?? 1000);
  const size = Number(args.size ?? 0);
  if (mode === 'unary') {
    await unaryCall(session);
    const result = await closedLoop(() => unaryCall(session), {
      concurrency: Number(args.concurrency ?? 1),
      durationMs: Number(args.duration ?? 5000),
      warmupMs: Number(args.warmup ?? 1000),
    });
    announce('RESULT', result);
  } else if (mode === 'download') {
    await download(session, Math.max(1, Math.floor(count / 10)), size); // warm-up
    const { secs, bytesPerRead } = await download(session, count, size);
    announce('RESULT', { secs, msgsPerSec: count / secs, mibPerSec: (count * size) / MiB / secs, bytesPerRead });
  } else if (mode === 'upload') {
    await upload(session, Math.max(1, Math.floor(count / 10)), size);
    const secs = await upload(session, count, size);
    announce('RESULT', { secs, msgsPerSec: count / secs, mibPerSec: (count * size) / MiB / secs });
  } else if (mode === 'pingpong') {
    const duration = Number(args.duration ?? 3000);
    await pingPong(session, Math.max(1, Math.floor(count / 10)), duration / 5, size);
    const { trips, secs } = await pingPong(session, count, duration, size);
    announce('RESULT', { secs, trips, tripsPerSec: trips / secs });
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  session.close();
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`raw-client: ${(err as Error)?.stack ?? err}\n`);
  process.exit(1);
});
