/**
 * What runs inside the browser page (bundled by esbuild in browser.suite.ts):
 * gRPC-Web calls with src/web's fetch client, and the golden codec fixtures.
 * Each test is a function on `window.wiregrpcTests` returning plain JSON that
 * the suite checks; nothing here asserts, so a failure shows what happened.
 *
 * `install` is called by an entry file the suite writes next to the code that
 * `wiregrpc gen --runtime-import src/web/index.js` generated in a temp dir.
 */
import {
  Code,
  codecFor,
  createWebClient,
  GrpcError,
  type MessageSchema,
  type ServiceDefinition,
} from '../../../src/web/index.js';
import { canon, fromHex, toHex } from '../../golden/canon.js';
import { ProtoError } from '../../../src/wire/proto/error.js';
import { Echo } from './echo-service.js';

export interface GoldenInput {
  name: string;
  type: string;
  hex: string;
  /** errors.json: decoding must fail. */
  error?: boolean;
}

function failure(err: unknown): { code: number; message: string; name: string; detail?: unknown; kind?: string } {
  if (err instanceof GrpcError)
    return { code: err.code, message: err.rawMessage, name: 'GrpcError', detail: err.metadata.get('x-error-detail') };
  if (err instanceof ProtoError) return { code: -1, message: err.message, name: 'ProtoError', kind: err.kind };
  return { code: -1, message: String(err), name: (err as Error)?.name ?? typeof err };
}

export function install(generated: readonly Record<string, unknown>[], UserInfo: ServiceDefinition): void {
  const schemas = new Map<string, MessageSchema>();
  for (const module of generated) {
    for (const value of Object.values(module)) {
      const s = value as MessageSchema;
      if (s !== null && typeof s === 'object' && typeof s.typeName === 'string' && Array.isArray(s.fields))
        schemas.set(s.typeName, s);
    }
  }

  const tests = {
    /** Unary: the generated UserInfo, and Echo with metadata both ways. */
    async unary(base: string) {
      const users = createWebClient(UserInfo, base);
      const user = await users.getUserInfo!({ name: 'foo' });
      const echo = createWebClient(Echo, base);
      let header: Record<string, unknown> = {};
      let trailer: Record<string, unknown> = {};
      const reply = await echo.unary(
        { text: 'héllo 😀', blob: new Uint8Array([0, 1, 254, 255]) },
        {
          metadata: { 'x-token': 'from-the-page' },
          onHeader: (md) => (header = md.toJSON()),
          onTrailer: (md) => (trailer = md.toJSON()),
        },
      );
      const text = await createWebClient(Echo, { baseUrl: base, format: 'text' }).unary({ text: 'as text' });
      return { user, reply: { text: reply.text, blob: Array.from(reply.blob) }, header, trailer, text: text.text };
    },

    async stream(base: string, format: 'binary' | 'text') {
      const echo = createWebClient(Echo, { baseUrl: base, format });
      const got: string[] = [];
      const times: number[] = [];
      const start = performance.now();
      for await (const r of echo.stream({ text: 'm', count: 5, delayMs: 100 })) {
        got.push(`${r.index}:${r.text}`);
        times.push(Math.round(performance.now() - start));
      }
      return { got, times };
    },

    async errors(base: string) {
      const users = createWebClient(UserInfo, base);
      const echo = createWebClient(Echo, base);
      const out: Record<string, unknown> = {};
      try {
        await users.getUserInfo!({ name: 'nobody' });
      } catch (err) {
        out.unknownUser = failure(err);
      }
      const seen: number[] = [];
      try {
        for await (const r of echo.stream({ text: 'e', count: 2, code: Code.DATA_LOSS })) seen.push(r.index);
      } catch (err) {
        out.afterMessages = { ...failure(err), seen };
      }
      try {
        await echo.collect({});
      } catch (err) {
        out.clientStreaming = failure(err);
      }
      return out;
    },

    async deadline(base: string) {
      const start = performance.now();
      try {
        await createWebClient(Echo, base).unary({ text: 'slow', delayMs: 5000 }, { timeout: 300 });
        return { ok: true };
      } catch (err) {
        return { ...failure(err), ms: Math.round(performance.now() - start) };
      }
    },

    async cancel(base: string) {
      const echo = createWebClient(Echo, base);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const seen: number[] = [];
      let error: unknown;
      try {
        for await (const r of echo.stream({ text: 'c', count: 100, delayMs: 50 }, { signal: controller.signal }))
          seen.push(r.index);
      } catch (err) {
        error = failure(err);
      }
      let broke = -1;
      for await (const r of echo.stream({ text: 'b', count: 100, delayMs: 20 })) {
        broke = r.index;
        if (r.index === 2) break;
      }
      return { error, seen: seen.length, broke };
    },

    /** A server that allows no origin: the browser itself refuses to hand over the answer. */
    async blocked(base: string) {
      try {
        await createWebClient(Echo, base).unary({ text: 'x' });
        return { ok: true };
      } catch (err) {
        return failure(err);
      }
    },

    /** Golden fixtures: decode Python's bytes, encode the value back. */
    golden(cases: GoldenInput[]) {
      return cases.map((c) => {
        const schema = schemas.get(c.type);
        if (schema === undefined) return { name: c.name, missing: c.type };
        const codec = codecFor(schema);
        try {
          const value = codec.decode(fromHex(c.hex));
          if (c.error) return { name: c.name, decoded: true };
          return { name: c.name, value: canon(value), hex: toHex(codec.encode(value)) };
        } catch (err) {
          return { name: c.name, error: failure(err) };
        }
      });
    },

    /** Sequential unary calls and one long stream: what a page gets (reported, not asserted). */
    async measure(base: string, calls: number, messages: number) {
      const echo = createWebClient(Echo, base);
      const lat: number[] = [];
      for (let i = 0; i < calls; i++) {
        const t0 = performance.now();
        await echo.unary({ text: 'ping' });
        lat.push(performance.now() - t0);
      }
      lat.sort((a, b) => a - b);
      const t0 = performance.now();
      let n = 0;
      for await (const _ of echo.stream({ text: 'x'.repeat(100), count: messages })) n++;
      const streamMs = performance.now() - t0;
      return {
        p50: lat[Math.floor(calls / 2)]!,
        p90: lat[Math.floor(calls * 0.9)]!,
        n,
        perSecond: Math.round((n / streamMs) * 1000),
      };
    },
  };
  (globalThis as { wiregrpcTests?: typeof tests }).wiregrpcTests = tests;
}
