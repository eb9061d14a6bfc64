/**
 * Correctness probes run before loading a server: one real call over node:http2 whose trailers are checked
 * (grpc-status 0) and whose response is decoded and compared, because h2load cannot see trailers.
 */
import http2 from 'node:http2';
import { encoding } from './protos.js';
import { DOWNLOAD_PATH, frame, UNARY_PATH, USER_REQUEST, userResponse } from './fixtures.js';

interface Exchange {
  status: number;
  contentType: string | undefined;
  grpcStatus: string | undefined;
  grpcMessage: string | undefined;
  messages: Buffer[];
}

function exchange(url: string, path: string, body: Buffer, timeoutMs = 5000): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`probe ${path}: no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    session.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    const req = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const out: Exchange = {
      status: 0,
      contentType: undefined,
      grpcStatus: undefined,
      grpcMessage: undefined,
      messages: [],
    };
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      out.status = Number(h[':status']);
      out.contentType = h['content-type'] as string | undefined;
      // Trailers-only responses carry grpc-status in the headers.
      if (h['grpc-status'] !== undefined) out.grpcStatus = String(h['grpc-status']);
    });
    req.on('trailers', (t) => {
      out.grpcStatus = String(t['grpc-status']);
      out.grpcMessage = t['grpc-message'] as string | undefined;
    });
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('error', (e) => {
      clearTimeout(timer);
      session.destroy();
      reject(e);
    });
    req.on('end', () => {
      clearTimeout(timer);
      session.close();
      const all = Buffer.concat(chunks);
      for (let at = 0; at + 5 <= all.length;) {
        const len = all.readUInt32BE(at + 1);
        out.messages.push(all.subarray(at + 5, at + 5 + len));
        at += 5 + len;
      }
      resolve(out);
    });
    req.end(body);
  });
}

function check(what: string, x: Exchange, messages: number): void {
  if (x.status !== 200) throw new Error(`${what}: HTTP status ${x.status}`);
  if (!x.contentType?.startsWith('application/grpc')) throw new Error(`${what}: content-type ${x.contentType}`);
  if (x.grpcStatus !== '0') throw new Error(`${what}: grpc-status ${x.grpcStatus} ${x.grpcMessage ?? ''}`);
  if (x.messages.length !== messages) throw new Error(`${what}: ${x.messages.length} messages, expected ${messages}`);
}

/** GetUserInfo{name:"foo"} must answer grpc-status 0 with the fixture's UserResponse. */
export async function probeUnary(url: string): Promise<void> {
  const { UserRequest, UserResponse } = encoding();
  const x = await exchange(url, UNARY_PATH, frame(UserRequest.encode(USER_REQUEST).finish()));
  check('unary probe', x, 1);
  const got = UserResponse.toObject(UserResponse.decode(x.messages[0]!), { defaults: true }) as Record<string, unknown>;
  const want = userResponse(USER_REQUEST.name) as Record<string, unknown>;
  if (Object.keys(want).some((k) => JSON.stringify(got[k]) !== JSON.stringify(want[k]))) {
    throw new Error(`unary probe: response ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
}

/** Download{count:3,size:10} must answer three 10-byte chunks and grpc-status 0. */
export async function probeDownload(url: string): Promise<void> {
  const { DownloadRequest, Chunk } = encoding();
  const x = await exchange(url, DOWNLOAD_PATH, frame(DownloadRequest.encode({ count: 3, size: 10 }).finish()));
  check('download probe', x, 3);
  for (const m of x.messages) {
    const c = Chunk.decode(m) as unknown as { data: Uint8Array };
    if (c.data.length !== 10) throw new Error(`download probe: chunk of ${c.data.length} bytes, expected 10`);
  }
}
