/**
 * wiregrpc under Bun (the npm package `bun`, node_modules/.bin/bun): the userinfo
 * example and every interop case, Bun's client against a Node server and Bun's
 * server against a Node client. `npm run test:bun` builds dist/ first.
 *
 * Bun's node:http2 server ignores bytes put back on a socket (`unshift`) while the
 * socket is paused; src/http2/front.ts resumes it (repro/bun-h2-unshift.mjs).
 */
import t from 'tap';
import { BUN, NODE, interop, runtimeSuite } from './runtime-helpers.js';

await runtimeSuite(t, BUN);

// The client on wiregrpc's own HTTP/2 over Bun's sockets (Bun.connect, TLS with ALPN h2) — src/h2/bun-socket.ts,
// no node:http2 or node:net — against a Node server: every interop case, h2c and TLS.
// (WIREGRPC_TEST_SOCKETS=runtime: test/interop/client.ts passes the runtime's `connect`.)
const bunSockets = { ...BUN, env: { ...BUN.env, WIREGRPC_TEST_SOCKETS: 'runtime' } };
for (const tls of [false, true]) {
  await t.test(
    `interop${tls ? ' over TLS' : ''}: node server, bun client on its own sockets (transport wiregrpc)`,
    (t) => interop(t, NODE, bunSockets, {}, tls),
  );
}
