/**
 * Cold start floor (a reference, not a contender): import node:http2 and protobufjs, the two things any client that
 * loads a .proto at run time over node:http2 must load, and exit. No .proto is read and no call is made, so no
 * such client can start faster than this. Usage: node cold-floor.js [PROTO_PATH HOST:PORT] (both ignored)
 */
import http2 from 'node:http2';
import { performance } from 'node:perf_hooks';
import protobuf from 'protobufjs';

// Touch both imports, so neither a compiler nor a bundler could drop them.
const loaded = typeof http2.connect === 'function' && typeof protobuf.parse === 'function';
process.stdout.write(`RESULT ${JSON.stringify({ ms: performance.now(), loaded })}\n`);
process.exit(0);
