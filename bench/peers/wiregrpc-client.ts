/**
 * wiregrpc client load generator: closed-loop GetUserInfo calls on one channel.
 * Usage: node wiregrpc-client.js --target 127.0.0.1:PORT --concurrency 64 --duration 5000 --warmup 1000
 */
import { USERINFO_PROTO } from '../lib/paths.js';
import { announce, parseArgs, USER_REQUEST } from '../lib/fixtures.js';
import { closedLoop } from '../lib/closed-loop.js';
// By package name, as a user's client imports it (the shipped bundle, not src/).
import { createClient, loadProtoSync } from 'wiregrpc';

const args = parseArgs(process.argv.slice(2));
const client = createClient(loadProtoSync(USERINFO_PROTO).service('proto.UserInfo'), args.target);

async function call(): Promise<unknown> {
  const res = await client.getUserInfo(USER_REQUEST);
  if (res.name !== USER_REQUEST.name) throw new Error(`unexpected response ${JSON.stringify(res)}`);
  return res;
}

await call();
const result = await closedLoop(call, {
  concurrency: Number(args.concurrency ?? 1),
  durationMs: Number(args.duration ?? 5000),
  warmupMs: Number(args.warmup ?? 1000),
});
await client.close();
announce('RESULT', result);
process.exit(0);
