/**
 * Cold start: a fresh process imports the library, loads userinfo.proto, makes one call to a running server (the
 * raw one, on the server core) and exits. Wall time from spawn to exit, measured by the harness; and the time the
 * program itself reports at its result (performance.now(), i.e. since the process began).
 */
import { peerScript, USERINFO_PROTO } from '../lib/paths.js';
import { probeUnary } from '../lib/probe.js';
import { lastLines, runProgram } from '../lib/proc.js';
import type { Metric } from '../lib/results.js';
import { startServer } from '../lib/servers.js';
import { alternate, profileFlags, type Suite } from '../lib/suite.js';

/** References, not contenders: programs that load a floor's worth of modules and exit without a call. */
const FLOOR_NODE = 'floor: node';
const FLOOR_HTTP2 = 'floor: node + http2';
const FLOOR_PROTOBUFJS = 'floor: node + http2 + protobufjs';
const FLOORS: readonly string[] = [FLOOR_NODE, FLOOR_HTTP2, FLOOR_PROTOBUFJS];

const PROGRAMS: Record<string, string> = {
  wiregrpc: 'cold-wiregrpc',
  'grpc-js': 'cold-grpcjs',
  raw: 'cold-raw',
  'wiregrpc-gen': 'cold-wiregrpc-gen',
  [FLOOR_NODE]: 'cold-floor-node',
  [FLOOR_HTTP2]: 'cold-floor-http2',
  [FLOOR_PROTOBUFJS]: 'cold-floor',
};

const METRICS = {
  wall: { name: 'wall time', unit: 'ms', better: 'lower' },
  inProcess: { name: 'time to result', unit: 'ms', better: 'lower' },
} satisfies Record<string, Metric>;

export const coldStart: Suite = {
  name: 'cold-start',
  title: 'Cold start (fresh process: import, load .proto, one call, exit)',
  impls: ['wiregrpc', 'grpc-js', 'raw', 'wiregrpc-gen', ...FLOORS],
  async run(ctx) {
    const suite = this.name;
    const rounds = Math.max(ctx.rounds, ctx.quick ? 5 : 15);
    const info = ctx.results.suite(suite, this.title, this.impls);
    info.references = [...FLOORS];
    info.notes.push(
      `${rounds} alternating runs each; "raw" is node:http2 + protobufjs by hand (reference); ` +
        '"wiregrpc-gen": schemas written out (defineService), no .proto parsed, no protobufjs loaded',
    );
    info.notes.push(
      'the "floor" columns are references, not contenders: each program only imports what it names ' +
        "(Node's own start-up; node:http2; node:http2 and protobufjs) and exits, no .proto read, no call. No client " +
        'that loads .proto files with protobufjs over node:http2 starts faster than the last; none on node:http2, ' +
        'faster than the second',
    );
    const server = await startServer(ctx, 'raw', probeUnary);
    try {
      await alternate(ctx, {
        suite,
        cases: ['userinfo call'],
        impls: this.impls,
        caseName: (c) => c,
        metrics: METRICS,
        rounds,
        async measure(_c, impl, round) {
          const flags = profileFlags(ctx, `cold-start-${impl}-r${round}`);
          const done = await runProgram(
            process.execPath,
            [...flags, peerScript(PROGRAMS[impl]!), USERINFO_PROTO, server.target],
            { cpu: ctx.cpu.load, timeoutMs: 30_000 },
          );
          const answered = FLOORS.includes(impl) ? done.result?.loaded === true : done.result?.name === 'foo';
          if (done.code !== 0 || !answered) {
            throw new Error(`exited ${done.code}: ${lastLines(done.stderr || done.stdout)}`);
          }
          return { wall: done.wallMs, inProcess: done.result.ms };
        },
      });
    } finally {
      await server.peer.stop();
    }
  },
};
