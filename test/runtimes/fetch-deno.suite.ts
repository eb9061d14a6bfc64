/**
 * The fetch handler under `Deno.serve` (the npm package `deno`, node_modules/.bin/deno; `deno run --allow-net`
 * only): fetch-app.ts bundled with the generated userinfo service, called from Node by the wiregrpc/web client
 * (fetch-runtimes.ts `webCases`). `npm run test:fetch`.
 */
import t from 'tap';
import { DENO } from './runtime-helpers.js';
import { prepareApp, runtimeMissing, startServe, versionOf, webCases } from './fetch-runtimes.js';

if (!runtimeMissing(t, DENO.bin, `needs deno at ${DENO.bin} (npm devDependency "deno")`)) {
  const app = prepareApp(t);
  const server = await startServe(t, app, 'deno', DENO.bin);
  t.comment(`${versionOf(DENO.bin)}; Deno.serve at ${server.url}`);
  await webCases(t, server.url, /^127\.0\.0\.1:\d+$/);
  t.test('the server printed no error', async (t) => {
    t.notMatch(server.output(), /error|uncaught|exception/i, server.output());
  });
}
