/**
 * wiregrpc under Deno (the npm package `deno`, node_modules/.bin/deno; `deno run -A`,
 * node_modules found through package.json, no flags beyond that): the userinfo example
 * and every interop case, Deno's client against a Node server and Deno's server against
 * a Node client. `npm run test:deno` builds dist/ first.
 *
 * Deno's node:http2 client can emit a stream's 'data' before its 'response';
 * src/http2/client-stream.ts holds such data until the headers come
 * (repro/deno-data-before-response.mjs).
 */
import t from 'tap';
import { DENO, NODE, interop, runtimeSuite } from './runtime-helpers.js';

await runtimeSuite(t, DENO);

// The client on wiregrpc's own HTTP/2 over Deno's sockets (Deno.connect, Deno.startTls/connectTls with ALPN h2) — src/h2/deno-socket.ts,
// no node:http2 or node:net — against a Node server: every interop case, h2c and TLS.
// (WIREGRPC_TEST_SOCKETS=runtime: test/interop/client.ts passes the runtime's `connect`.)
const denoSockets = { ...DENO, env: { ...DENO.env, WIREGRPC_TEST_SOCKETS: 'runtime' } };
for (const tls of [false, true]) {
  await t.test(
    `interop${tls ? ' over TLS' : ''}: node server, deno client on its own sockets (transport wiregrpc)`,
    (t) => interop(t, NODE, denoSockets, {}, tls),
  );
}
