/**
 * The fetch handler under `Bun.serve` (the npm package `bun`, node_modules/.bin/bun): fetch-app.ts bundled with
 * the generated userinfo service, called from Node by the wiregrpc/web client (fetch-runtimes.ts `webCases`).
 * `npm run test:fetch`.
 */
import t from 'tap';
import { BUN } from './runtime-helpers.js';
import { prepareApp, runtimeMissing, startServe, versionOf, webCases } from './fetch-runtimes.js';

if (!runtimeMissing(t, BUN.bin, `needs bun at ${BUN.bin} (npm devDependency "bun")`)) {
  const app = prepareApp(t);
  const server = await startServe(t, app, 'bun', BUN.bin);
  t.comment(`bun ${versionOf(BUN.bin)}; Bun.serve at ${server.url}`);
  await webCases(t, server.url, /^127\.0\.0\.1:\d+$/);
  t.test('the server printed no error', async (t) => {
    t.notMatch(server.output(), /error|uncaught|exception/i, server.output());
  });
}
