/**
 * @grpc/grpc-js client load generator: closed-loop GetUserInfo calls on one channel.
 * Usage: node grpcjs-client.js --target 127.0.0.1:PORT --concurrency 64 --duration 5000 --warmup 1000
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { USERINFO_PROTO } from '../lib/paths.js';
import { announce, parseArgs, USER_REQUEST } from '../lib/fixtures.js';
import { closedLoop } from '../lib/closed-loop.js';

const args = parseArgs(process.argv.slice(2));
const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(USERINFO_PROTO)) as any;
const client = new pkg.proto.UserInfo(args.target, grpc.credentials.createInsecure());

function call(): Promise<unknown> {
  return new Promise((resolve, reject) => {
    client.GetUserInfo(USER_REQUEST, (err: Error | null, res: { name: string }) => {
      if (err) reject(err);
      else if (res.name !== USER_REQUEST.name) reject(new Error(`unexpected response ${JSON.stringify(res)}`));
      else resolve(res);
    });
  });
}

await call();
const result = await closedLoop(call, {
  concurrency: Number(args.concurrency ?? 1),
  durationMs: Number(args.duration ?? 5000),
  warmupMs: Number(args.warmup ?? 1000),
});
client.close();
announce('RESULT', result);
process.exit(0);
