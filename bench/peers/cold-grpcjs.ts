/**
 * Cold start, @grpc/grpc-js: import the library, load userinfo.proto, make one call, exit. Also the entry bundled by
 * the size suite. Usage: node cold-grpcjs.js PROTO_PATH HOST:PORT
 */
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

async function main(): Promise<void> {
  const [proto, target] = process.argv.slice(2) as [string, string];
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(proto)) as any;
  const client = new pkg.proto.UserInfo(target, grpc.credentials.createInsecure());
  const res = await new Promise<{ name: string }>((resolve, reject) => {
    client.GetUserInfo({ name: 'foo' }, (err: Error | null, r: { name: string }) => (err ? reject(err) : resolve(r)));
  });
  client.close();
  process.stdout.write(`RESULT ${JSON.stringify({ ms: performance.now(), name: res.name })}\n`);
  process.exit(0);
}
main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
