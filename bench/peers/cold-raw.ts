/**
 * Cold start, no gRPC library (reference): import protobufjs and node:http2, load userinfo.proto, make one call by
 * hand, exit. Usage: node cold-raw.js PROTO_PATH HOST:PORT
 */
import http2 from 'node:http2';
import { performance } from 'node:perf_hooks';
import protobuf from 'protobufjs';

async function main(): Promise<void> {
  const [proto, target] = process.argv.slice(2) as [string, string];
  const root = protobuf.loadSync(proto);
  const Req = root.lookupType('proto.UserRequest');
  const Res = root.lookupType('proto.UserResponse');
  const payload = Req.encode({ name: 'foo' }).finish();
  const body = Buffer.alloc(5 + payload.length);
  body.writeUInt32BE(payload.length, 1);
  body.set(payload, 5);
  const session = http2.connect(`http://${target}`);
  const res = await new Promise<{ name: string }>((resolve, reject) => {
    const req = session.request({
      ':method': 'POST',
      ':path': '/proto.UserInfo/GetUserInfo',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks: Buffer[] = [];
    let status: unknown;
    req.on('trailers', (t) => {
      status = t['grpc-status'];
    });
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('error', reject);
    req.on('end', () => {
      if (status !== '0') return reject(new Error(`grpc-status ${status}`));
      resolve(Res.decode(Buffer.concat(chunks).subarray(5)) as unknown as { name: string });
    });
    req.end(body);
  });
  session.close();
  process.stdout.write(`RESULT ${JSON.stringify({ ms: performance.now(), name: res.name })}\n`);
  process.exit(0);
}
main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
