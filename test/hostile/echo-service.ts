/**
 * The Echo service (test/protos/echo.proto) as the hostile-input, fuzz, fault
 * and soak tests serve it: every call shape, plus request texts that make the
 * handler misbehave on purpose. `stats` counts what the handlers did, so a
 * test can check that work stopped (signal aborted, generator closed).
 *
 *   unary text:  "throw" → throws an Error; "reject" → returns a rejected promise;
 *                "hang" → never answers by itself (waits for its signal);
 *                "work" → counts ticks every 10 ms until its signal aborts;
 *                "metadata" → answers with the request metadata as JSON;
 *                anything else → echoed (after delay_ms).
 *   serverStream: `count` replies carrying `payload`, `delay_ms` apart.
 *   clientStream: the texts joined; `index` = how many.
 *   bidi:         one reply per request (upper-cased text).
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerContext } from '../../src/service/context.js';
import { loadProtoSync } from '../../src/service/load.js';

export interface EchoRequest {
  text: string;
  count: number;
  payload: Uint8Array;
  delayMs: number;
}
export interface EchoReply {
  text: string;
  index: number;
  payload?: Uint8Array;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** From test/hostile (tap) or dist/test/hostile (compiled): the repo's test/protos/echo.proto. */
export const ECHO_PROTO = path.join(
  ROOT.endsWith(`${path.sep}dist`) ? path.dirname(ROOT) : ROOT,
  'test/protos/echo.proto',
);
export const Echo = loadProtoSync(ECHO_PROTO).service('wiregrpc.test.Echo');

export const PATHS = {
  unary: '/wiregrpc.test.Echo/Unary',
  serverStream: '/wiregrpc.test.Echo/ServerStream',
  clientStream: '/wiregrpc.test.Echo/ClientStream',
  bidi: '/wiregrpc.test.Echo/Bidi',
} as const;

export function encodeRequest(request: Partial<EchoRequest>): Uint8Array {
  return Echo.methods.Unary!.input.encode(request);
}

export function decodeReply(bytes: Uint8Array): EchoReply {
  return Echo.methods.Unary!.output.decode(bytes) as EchoReply;
}

export interface EchoStats {
  /** Handler invocations by method. */
  calls: Record<string, number>;
  /** Calls whose signal aborted, and why (code names). */
  aborted: string[];
  /** "work" ticks done so far. */
  ticks: number;
  /** Server-streaming replies produced, and generators that have finished (finally ran). */
  streamed: number;
  generatorsOpen: number;
  /** How each client-streaming handler's request iteration ended: "complete" or the error's code. */
  requestEnds: string[];
  /** The metadata keys the last "metadata" call saw. */
  lastMetadataKeys: string[];
}

export function newStats(): EchoStats {
  return { calls: {}, aborted: [], ticks: 0, streamed: 0, generatorsOpen: 0, requestEnds: [], lastMetadataKeys: [] };
}

function count(stats: EchoStats, name: string, ctx: ServerContext): void {
  stats.calls[name] = (stats.calls[name] ?? 0) + 1;
  const record = () => stats.aborted.push(String((ctx.signal.reason as { code?: number })?.code ?? 'unknown'));
  if (ctx.signal.aborted) record();
  else ctx.signal.addEventListener('abort', record, { once: true });
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

export function echoImpl(stats: EchoStats = newStats()) {
  return {
    async unary(req: EchoRequest, ctx: ServerContext): Promise<EchoReply> {
      count(stats, 'unary', ctx);
      switch (req.text) {
        case 'throw':
          throw new Error('the handler threw');
        case 'reject':
          return Promise.reject(new TypeError('the handler rejected'));
        case 'hang':
          await untilAborted(ctx.signal);
          return { text: 'too late', index: 0 };
        case 'work':
          while (!ctx.signal.aborted) {
            await sleep(10);
            if (!ctx.signal.aborted) stats.ticks++;
          }
          return { text: 'stopped', index: stats.ticks };
        case 'metadata':
          stats.lastMetadataKeys = [...ctx.metadata.keys()];
          return { text: JSON.stringify(ctx.metadata.toJSON()), index: ctx.metadata.size };
      }
      if (req.delayMs > 0) await sleep(req.delayMs, undefined, { signal: ctx.signal }).catch(() => {});
      return { text: req.text, index: 0, payload: req.payload };
    },

    async *serverStream(req: EchoRequest, ctx: ServerContext): AsyncGenerator<EchoReply> {
      count(stats, 'serverStream', ctx);
      stats.generatorsOpen++;
      try {
        for (let i = 0; i < req.count; i++) {
          if (req.delayMs > 0) await sleep(req.delayMs, undefined, { signal: ctx.signal }).catch(() => {});
          if (ctx.signal.aborted) return;
          stats.streamed++;
          yield { text: req.text, index: i, payload: req.payload };
        }
      } finally {
        stats.generatorsOpen--;
      }
    },

    async clientStream(requests: AsyncIterable<EchoRequest>, ctx: ServerContext): Promise<EchoReply> {
      count(stats, 'clientStream', ctx);
      const texts: string[] = [];
      try {
        for await (const r of requests) texts.push(r.text);
        stats.requestEnds.push('complete');
      } catch (err) {
        stats.requestEnds.push(String((err as { code?: number }).code));
        throw err;
      }
      return { text: texts.join(','), index: texts.length };
    },

    async *bidi(requests: AsyncIterable<EchoRequest>, ctx: ServerContext): AsyncGenerator<EchoReply> {
      count(stats, 'bidi', ctx);
      let i = 0;
      for await (const r of requests) {
        if (r.delayMs > 0) await sleep(r.delayMs, undefined, { signal: ctx.signal }).catch(() => {});
        yield { text: r.text.toUpperCase(), index: i++, payload: r.payload };
      }
    },
  };
}
