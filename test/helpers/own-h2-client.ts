/**
 * Registers wiregrpc's own HTTP/2 client (transport 'wiregrpc', src/http2/client-transport.ts), as a `wiregrpc/core`
 * program does to opt in: `wiregrpc` and `wiregrpc/sockets` (src/service/index.ts, sockets.ts) register it on
 * import, but a test that builds channels from src/http2 or src/service/client.ts or core.ts does not get it
 * otherwise — and the suites run with WIREGRPC_TRANSPORT=wiregrpc (package.json test:h2-client, test:own-h2-server)
 * would fail at channel creation. Every test module that makes channels imports this first.
 */
import { registerWiregrpcTransport } from '../../src/http2/h2-client-connect.js';

registerWiregrpcTransport();
