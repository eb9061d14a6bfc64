/**
 * The Echo service's server side for the gRPC-Web tests (Node only).
 * Metadata: request `x-token` comes back as header `x-token-seen`; every
 * answer carries header `x-echo-header` and trailer `x-echo-trailer`; errors
 * carry `x-error-detail`.
 */
import { Code } from '../../../src/wire/grpc/code.js';
import { GrpcError } from '../../../src/wire/grpc/error.js';
import { Metadata } from '../../../src/wire/grpc/metadata.js';
import type { ServerContext } from '../../../src/service/context.js';
import type { ImplementationOf } from '../../../src/service/typed.js';
import { Echo, type EchoRequest } from './echo-service.js';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

function greet(request: EchoRequest, ctx: ServerContext): void {
  const token = ctx.metadata.get('x-token');
  ctx.sendHeader({ 'x-echo-header': 'h', ...(typeof token === 'string' ? { 'x-token-seen': token } : {}) });
  ctx.setTrailer({ 'x-echo-trailer': 't' });
}

function failure(request: EchoRequest): GrpcError {
  return new GrpcError(request.code as Code, `asked to fail: ${request.text}`, {
    metadata: new Metadata({ 'x-error-detail': 'yes' }),
  });
}

/** What each call saw of its end: 'ok', or the reason the server-side signal aborted with. */
export const outcomes: string[] = [];

export const echoImplementation: ImplementationOf<typeof Echo> = {
  async unary(request, ctx) {
    ctx.signal.addEventListener(
      'abort',
      () => outcomes.push(`unary aborted: ${(ctx.signal.reason as Error).message}`),
      { once: true },
    );
    if (request.delayMs > 0) await sleep(request.delayMs, ctx.signal);
    if (request.code !== 0) throw failure(request);
    greet(request, ctx);
    return { text: request.text, index: 0, blob: request.blob };
  },
  async *stream(request, ctx) {
    ctx.signal.addEventListener(
      'abort',
      () => outcomes.push(`stream aborted: ${(ctx.signal.reason as Error).message}`),
      { once: true },
    );
    greet(request, ctx);
    for (let i = 0; i < request.count; i++) {
      if (request.delayMs > 0) await sleep(request.delayMs, ctx.signal);
      yield { text: `${request.text} ${i}`, index: i, blob: request.blob };
    }
    if (request.code !== 0) throw failure(request);
  },
};
