/**
 * Size reference (not a contender): protobufjs alone, as any client that loads a .proto at run time must carry it.
 * Reads and parses the .proto and finds its service, nothing else: the size suite bundles this program to show the
 * floor under every .proto-at-run-time bundle. Usage: node protobufjs-parse.js PROTO_PATH [HOST:PORT] (ignored)
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import protobuf from 'protobufjs';

const parsed = protobuf.parse(readFileSync(process.argv[2]!, 'utf8'), { keepCase: true });
const service = parsed.root.lookupService('proto.UserInfo');
process.stdout.write(`RESULT ${JSON.stringify({ ms: performance.now(), service: service.name })}\n`);
process.exit(0);
