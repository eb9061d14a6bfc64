/**
 * Cold start, wiregrpc: import the library, load userinfo.proto, make one call, exit. Also the entry bundled by the
 * size suite. Usage: node cold-wiregrpc.js PROTO_PATH HOST:PORT
 */
import { performance } from 'node:perf_hooks';
import { createClient, loadProtoSync } from 'wiregrpc';

async function main(): Promise<void> {
  const [proto, target] = process.argv.slice(2) as [string, string];
  const client = createClient(loadProtoSync(proto).service('proto.UserInfo'), target);
  const res = await client.getUserInfo({ name: 'foo' });
  // Start the close and exit, as the grpc-js and raw programs do (neither waits for its connection to close).
  void client.close();
  process.stdout.write(`RESULT ${JSON.stringify({ ms: performance.now(), name: res.name })}\n`);
  process.exit(0);
}
main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
