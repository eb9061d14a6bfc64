/**
 * The gRPC interop test client on wiregrpc (grpc/grpc
 * doc/interop-test-descriptions.md, "Client" section):
 *
 *   npm run interop:client -- --server_host=H --server_port=P --test_case=NAME|a,b|all
 *        [--use_tls=true --server_host_override=foo.test.google.fr --use_test_ca=true [--ca_file=F]]
 *
 * --use_test_ca trusts the test CA (test/interop/certs.ts) unless --ca_file
 * names another. WIREGRPC_TRANSPORT=wiregrpc runs it on wiregrpc's own HTTP/2;
 * WIREGRPC_TEST_SOCKETS=runtime on that, over Deno's or Bun's own sockets (src/h2/deno-socket.ts,
 * bun-socket.ts) instead of node:net/node:tls — the runtime suites use it. Prints one JSON line per case (test/interop/harness.ts) and
 * exits 1 if any case failed, naming it and the reason on stderr.
 */
import { readFileSync } from 'node:fs';
import { bunConnect } from '../../src/h2/bun-socket.js';
import { denoConnect } from '../../src/h2/deno-socket.js';
import { Channel, createClient, type ChannelOptions } from '../../src/service/index.js';
import { interopCases, type TestServiceStub, type UnimplementedServiceStub } from './cases.js';
import { ensureInteropCerts } from './certs.js';
import { clientFlags, runCases } from './harness.js';
import { interopServices } from './testing.js';

const flags = clientFlags(process.argv.slice(2));
const host =
  flags.serverHost.includes(':') && !flags.serverHost.startsWith('[') ? `[${flags.serverHost}]` : flags.serverHost;

const options: ChannelOptions = {};
if (flags.serverHostOverride) options.authority = flags.serverHostOverride;
if (flags.useTls) {
  const ca = flags.useTestCa ? readFileSync(flags.caFile ?? ensureInteropCerts().caFile) : undefined;
  options.tls = { ca, servername: flags.serverHostOverride };
}
if (process.env.WIREGRPC_TEST_SOCKETS === 'runtime') {
  const tls = typeof options.tls === 'object' ? options.tls : undefined; // set just above, or not at all
  const ca = tls?.ca === undefined ? undefined : String(tls.ca);
  const servername = tls?.servername;
  if ('Deno' in globalThis) {
    options.connect = denoConnect({
      tls: tls && { ...(ca ? { caCerts: [ca] } : {}), ...(servername ? { servername } : {}) },
    });
  } else if ('Bun' in globalThis) {
    options.connect = bunConnect({ tls: tls && { ...(ca ? { ca } : {}), ...(servername ? { servername } : {}) } });
  } else {
    throw new Error('WIREGRPC_TEST_SOCKETS=runtime: neither Deno nor Bun is running this');
  }
}

// One channel (one HTTP/2 connection) for both services, as the spec's clients do.
const channel = new Channel(`${host}:${flags.serverPort}`, options);
const { TestService, UnimplementedService } = interopServices();
const stub = createClient(TestService, channel) as unknown as TestServiceStub;
const unimplemented = createClient(UnimplementedService, channel) as unknown as UnimplementedServiceStub;

const status = await runCases(flags.cases, interopCases(stub, unimplemented));
await channel.close();
process.exitCode = status;
