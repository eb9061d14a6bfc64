/**
 * Server interceptors: code that runs around every handler, in the order given.
 *
 *   const logging: ServerInterceptor = async (ctx, next) => {
 *     const start = performance.now();
 *     try {
 *       await next();
 *       log(ctx.method.path, 'OK', performance.now() - start);
 *     } catch (err) {
 *       log(ctx.method.path, GrpcError.from(err).code, performance.now() - start);
 *       throw err;
 *     }
 *   };
 *   const auth: ServerInterceptor = (ctx, next) => {
 *     if (ctx.metadata.get('authorization') !== 'Bearer s3cret') throw new GrpcError(Code.UNAUTHENTICATED, 'bad token');
 *     return next();
 *   };
 *   new Server({ interceptors: [logging, auth] });
 *
 * `next()` runs the rest of the chain and then the handler, to the end: for a
 * streaming response, until the last message is written. It rejects with what
 * the handler threw. An interceptor may throw instead of calling `next()` (the
 * call ends with that status), catch and rethrow another error, or add
 * trailers after `next()`: the status is sent only when the whole chain is done.
 */
import type { ServerContext } from './context.js';

export type ServerInterceptor = (ctx: ServerContext, next: () => Promise<void>) => Promise<void>;

/** The chain for one method, built once when the service is added. */
export function chainInterceptors(
  interceptors: readonly ServerInterceptor[],
  handler: (ctx: ServerContext) => Promise<void>,
): (ctx: ServerContext) => Promise<void> {
  let run = handler;
  for (let i = interceptors.length - 1; i >= 0; i--) {
    const interceptor = interceptors[i]!;
    const inner = run;
    run = (ctx) => interceptor(ctx, () => inner(ctx));
  }
  return run;
}
