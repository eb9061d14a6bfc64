/**
 * The soak's load: workers making random calls of all four shapes through one
 * client, some cancelled midway, some with deadlines that may expire, each
 * result checked. An error a call could not have had (anything but CANCELLED for
 * a cancelled call, DEADLINE_EXCEEDED for one with a short deadline, and
 * nothing at all otherwise) is counted as unexpected.
 *
 * Run in the soak's own process (one Channel per client) and in child
 * processes (`node dist/test/soak/load.js`, driven over IPC).
 */
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { Channel } from '../../src/http2/channel.js';
import { createClient, type Client } from '../../src/service/client.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { Echo, type EchoReply } from '../hostile/echo-service.js';

export interface LoadResult {
  calls: number;
  ok: number;
  cancelled: number;
  deadlineExceeded: number;
  unexpected: number;
  byShape: Record<string, number>;
  /** The first few unexpected errors, for the report. */
  samples: string[];
}

export function emptyResult(): LoadResult {
  return { calls: 0, ok: 0, cancelled: 0, deadlineExceeded: 0, unexpected: 0, byShape: {}, samples: [] };
}

export function addResults(into: LoadResult, from: LoadResult): LoadResult {
  into.calls += from.calls;
  into.ok += from.ok;
  into.cancelled += from.cancelled;
  into.deadlineExceeded += from.deadlineExceeded;
  into.unexpected += from.unexpected;
  for (const [k, v] of Object.entries(from.byShape)) into.byShape[k] = (into.byShape[k] ?? 0) + v;
  into.samples.push(...from.samples.slice(0, 10 - into.samples.length));
  return into;
}

/** A deterministic-enough generator per worker (Math.random would do; this keeps runs comparable). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

type Mode = 'plain' | 'cancel' | 'deadline';

class Mismatch extends Error {}

const STUCK_MS = 10_000;

async function oneCall(client: Client, random: () => number, result: LoadResult, budget: ResetBudget): Promise<void> {
  const r = random();
  const shape = r < 0.4 ? 'unary' : r < 0.6 ? 'serverStream' : r < 0.8 ? 'clientStream' : 'bidi';
  const m = random();
  let mode: Mode = m < 0.1 ? 'cancel' : m < 0.2 ? 'deadline' : 'plain';
  if (mode !== 'plain' && !budget.take()) mode = 'plain';
  const abort = mode === 'cancel' ? new AbortController() : undefined;
  const options =
    mode === 'cancel'
      ? { signal: abort!.signal }
      : mode === 'deadline'
        ? { timeout: 1 + Math.floor(random() * 30) }
        : undefined;
  const delayMs = mode === 'plain' ? 0 : Math.floor(random() * 40);
  let timer: NodeJS.Timeout | undefined;
  if (abort !== undefined) timer = setTimeout(() => abort.abort(), Math.floor(random() * 25));
  const payload = new Uint8Array(Math.floor(random() * (random() < 0.05 ? 64 * 1024 : 2048))).fill(7);
  result.calls++;
  result.byShape[shape] = (result.byShape[shape] ?? 0) + 1;
  // A call that never ends is the worst outcome of all: report it (and let the loop go on).
  const stuck = setTimeout(() => {
    result.unexpected++;
    if (result.samples.length < 10)
      result.samples.push(`${shape} (${mode}, delay ${delayMs}): no outcome after ${STUCK_MS} ms`);
    process.stderr.write(`soak: a ${shape} call (${mode}) has had no outcome for ${STUCK_MS} ms\n`);
  }, STUCK_MS);
  stuck.unref();
  try {
    switch (shape) {
      case 'unary': {
        const text = `u${result.calls}`;
        const reply = (await client.unary({ text, payload, delayMs }, options)) as EchoReply;
        if (reply.text !== text || (reply.payload?.length ?? 0) !== payload.length)
          throw new Mismatch(`unary echoed ${reply.text}`);
        break;
      }
      case 'serverStream': {
        const count = 1 + Math.floor(random() * 20);
        let n = 0;
        for await (const reply of client.serverStream(
          { text: 's', count, delayMs: delayMs > 0 ? 2 : 0 },
          options,
        ) as AsyncIterable<EchoReply>) {
          if (reply.index !== n++) throw new Mismatch(`server stream reply ${reply.index} out of order`);
        }
        if (n !== count) throw new Mismatch(`server stream gave ${n} of ${count}`);
        break;
      }
      case 'clientStream': {
        const count = 1 + Math.floor(random() * 20);
        const reply = (await client.clientStream(requests(count, delayMs > 0 ? 2 : 0), options)) as EchoReply;
        if (reply.index !== count) throw new Mismatch(`client stream counted ${reply.index} of ${count}`);
        break;
      }
      case 'bidi': {
        const count = 1 + Math.floor(random() * 10);
        let n = 0;
        for await (const reply of client.bidi(
          requests(count, delayMs > 0 ? 2 : 0),
          options,
        ) as AsyncIterable<EchoReply>) {
          if (reply.index !== n++ || reply.text !== `M${reply.index}`)
            throw new Mismatch(`bidi reply ${reply.index} wrong`);
        }
        if (n !== count) throw new Mismatch(`bidi gave ${n} of ${count}`);
        break;
      }
    }
    result.ok++;
  } catch (err) {
    const code = err instanceof GrpcError ? err.code : undefined;
    if (mode === 'cancel' && code === Code.CANCELLED) result.cancelled++;
    else if (mode === 'deadline' && code === Code.DEADLINE_EXCEEDED) result.deadlineExceeded++;
    else {
      result.unexpected++;
      if (result.samples.length < 10)
        result.samples.push(`${shape} (${mode}): ${err instanceof Error ? err.message : String(err)}`);
    }
  } finally {
    clearTimeout(timer);
    clearTimeout(stuck);
  }
}

async function* requests(count: number, gapMs: number): AsyncGenerator<{ text: string; delayMs: number }> {
  for (let i = 0; i < count; i++) {
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    yield { text: `m${i}`, delayMs: 0 };
  }
}

/**
 * Cancellations and deadlines per client (one connection) per second. nghttp2
 * (node:http2's engine) answers a client that resets more than 33 open streams
 * a second, beyond a burst of 1000, with GOAWAY(INTERNAL_ERROR) — its Rapid
 * Reset (CVE-2023-44487) limiter, which node 20 cannot tune. The soak found it;
 * it stays under it.
 */
const RESETS_PER_SECOND = 25;

class ResetBudget {
  private tokens = RESETS_PER_SECOND;
  private last = Date.now();
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(RESETS_PER_SECOND, this.tokens + ((now - this.last) / 1000) * RESETS_PER_SECOND);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}

/** `workers` concurrent call loops on one client until `until` (epoch ms). */
export async function runLoad(client: Client, workers: number, until: number, seed: number): Promise<LoadResult> {
  const result = emptyResult();
  const budget = new ResetBudget();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const random = rng(seed * 7919 + w + 1);
      while (Date.now() < until) await oneCall(client, random, result, budget);
    }),
  );
  return result;
}

export function makeClient(port: number): { client: Client; channel: Channel } {
  const channel = new Channel(`127.0.0.1:${port}`);
  return { channel, client: createClient(Echo, channel) };
}

// As a child process: {port, workers, seed} in argv; each IPC message {runMs} runs the load and answers the result.
if (process.send !== undefined && process.argv.includes('--soak-child')) {
  const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
  const workers = Number(process.argv[process.argv.indexOf('--workers') + 1]);
  const seed = Number(process.argv[process.argv.indexOf('--seed') + 1]);
  const { client, channel } = makeClient(port);
  process.on('message', (message: { runMs?: number; memory?: boolean; exit?: boolean }) => {
    if (message.runMs !== undefined)
      void runLoad(client, workers, Date.now() + message.runMs, seed).then((result) => process.send!({ result }));
    if (message.exit) void channel.close().then(() => process.disconnect());
  });
  process.send({ ready: true });
}
