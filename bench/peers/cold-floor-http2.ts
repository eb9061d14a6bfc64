/**
 * Cold start floor (a reference, not a contender): import node:http2 and exit. Any gRPC client on node:http2 loads
 * at least this (node:http2 pulls in net, tls, crypto and http); the floor under a client whose schemas are written
 * out (wiregrpc-gen). Usage: node cold-floor-http2.js (args ignored)
 */
import http2 from 'node:http2';
import { performance } from 'node:perf_hooks';

const loaded = typeof http2.connect === 'function';
process.stdout.write(`RESULT ${JSON.stringify({ ms: performance.now(), loaded })}\n`);
process.exit(0);
