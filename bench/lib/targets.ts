/**
 * The goals from issue 7, each a ratio of a subject's median to a baseline's median. The subject is wiregrpc as
 * most programs use it (`wiregrpc`: .proto files loaded at run time); cold start and size are also held to the
 * same goals for `wiregrpc-gen` (schemas written out, as `wiregrpc gen` writes them: no protobufjs at run time).
 */
import type { Target } from './results.js';
import { OWN_H2 } from './servers.js';

export const TARGETS: readonly Target[] = [
  { suite: 'codec', case: '*', metric: 'ops/s', subject: 'wiregrpc', baseline: 'protobufjs', op: '>=', value: 1.0 },
  { suite: 'codec', case: '*', metric: 'ops/s', subject: 'wiregrpc', baseline: 'bufbuild', op: '>=', value: 2.0 },
  {
    suite: 'server-unary',
    case: '-c1 -m100',
    metric: 'req/s',
    subject: 'wiregrpc',
    baseline: 'raw',
    op: '>=',
    value: 0.9,
  },
  {
    suite: 'server-unary',
    case: '-c1 -m100',
    metric: 'req/s',
    subject: 'wiregrpc',
    baseline: 'grpc-js',
    op: '>',
    value: 1.0,
  },
  {
    suite: 'server-unary',
    case: '-c4 -m100',
    metric: 'req/s',
    subject: 'wiregrpc',
    baseline: 'raw',
    op: '>=',
    value: 0.9,
  },
  {
    suite: 'server-unary',
    case: '-c4 -m100',
    metric: 'req/s',
    subject: 'wiregrpc',
    baseline: 'grpc-js',
    op: '>',
    value: 1.0,
  },
  {
    suite: 'client-unary',
    case: 'c64',
    metric: 'calls/s',
    subject: 'wiregrpc',
    baseline: 'raw',
    op: '>=',
    value: 0.85,
  },
  {
    suite: 'streaming',
    case: 'server-stream empty',
    metric: 'msgs/s',
    subject: 'wiregrpc',
    baseline: 'raw',
    op: '>=',
    value: 0.8,
  },
  {
    suite: 'streaming',
    case: 'server-stream 64 KiB',
    metric: 'MiB/s',
    subject: 'wiregrpc',
    baseline: 'raw',
    op: '>=',
    value: 0.9,
  },
  {
    suite: 'cold-start',
    case: 'userinfo call',
    metric: 'wall time',
    subject: 'wiregrpc',
    baseline: 'grpc-js',
    op: '<=',
    value: 0.5,
  },
  {
    suite: 'cold-start',
    case: 'userinfo call',
    metric: 'wall time',
    subject: 'wiregrpc-gen',
    baseline: 'grpc-js',
    op: '<=',
    value: 0.5,
  },
  {
    suite: 'size',
    case: 'client bundle',
    metric: 'min+gzip',
    subject: 'wiregrpc',
    baseline: 'grpc-js',
    op: '<=',
    value: 0.25,
  },
  {
    suite: 'size',
    case: 'client bundle',
    metric: 'min+gzip',
    subject: 'wiregrpc-gen',
    baseline: 'grpc-js',
    op: '<=',
    value: 0.25,
  },
  {
    suite: 'memory',
    case: 'peak RSS -c4 -m100',
    metric: 'peak RSS',
    subject: 'wiregrpc',
    baseline: 'raw',
    op: '<=',
    value: 1.05,
  },
  // Issue #16: wiregrpc on its own HTTP/2 (src/h2) against the raw node:http2 ceiling.
  ...(
    [
      ['server-unary', '-c1 -m100', 'req/s', '>=', 2.0],
      ['server-unary', '-c4 -m100', 'req/s', '>=', 2.0],
      ['client-unary', 'c64', 'calls/s', '>=', 1.5],
      ['streaming', 'server-stream empty', 'msgs/s', '>=', 1.5],
      ['streaming', 'server-stream 64 KiB', 'MiB/s', '>=', 1.0],
      ['memory', '1k idle connections', 'RSS per 1k idle conns', '<=', 0.5],
      ['memory', 'peak RSS -c4 -m100', 'peak RSS', '<=', 1.0],
    ] as const
  ).map(([suite, kase, metric, op, value]): Target => ({
    suite,
    case: kase,
    metric,
    subject: OWN_H2,
    baseline: 'raw',
    op,
    value,
  })),
];

export function describeTarget(t: { op: string; value: number; baseline: string }): string {
  const op = t.op === '>=' ? '≥' : t.op === '<=' ? '≤' : '>';
  return `${op}${t.value.toFixed(2)}× ${t.baseline}`;
}

/** The goal with its subject named when it is not plain wiregrpc: `wiregrpc-gen ≤0.50× grpc-js`. */
export function describeGoal(t: { subject: string; op: string; value: number; baseline: string }): string {
  return t.subject === 'wiregrpc' ? describeTarget(t) : `${t.subject} ${describeTarget(t)}`;
}
