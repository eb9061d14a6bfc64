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
 * The three every server writes ship below, the server-side twins of the
 * client's (client-interceptors.ts):
 *
 *   new Server({ interceptors: [
 *     loggingServerInterceptor(),                                   // "/proto.UserInfo/GetUserInfo OK 1.2ms 127.0.0.1:5432"
 *     authServerInterceptor((token) => token === process.env.TOKEN), // authorization: Bearer <token>, else UNAUTHENTICATED
 *     metricsServerInterceptor(({ method, code, durationMs }) => histogram.observe(...)),
 *   ] });
 *
 * `next()` runs the rest of the chain and then the handler, to the end: for a
 * streaming response, until the last message is written. It rejects with what
 * the handler threw. An interceptor may throw instead of calling `next()` (the
 * call ends with that status), catch and rethrow another error, or add
 * trailers after `next()`: the status is sent only when the whole chain is done.
 */
import { Code, codeName } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
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

/** Logs each call's method, status, duration and peer: `/proto.UserInfo/GetUserInfo OK 1.2ms 127.0.0.1:54321`. */
export function loggingServerInterceptor(
  log: (line: string) => void = (line) => console.error(line),
): ServerInterceptor {
  return async (ctx, next) => {
    const start = performance.now();
    try {
      await next();
      log(`${ctx.method.path} OK ${(performance.now() - start).toFixed(1)}ms ${ctx.peer}`);
    } catch (err) {
      const e = GrpcError.from(err, Code.UNKNOWN);
      log(
        `${ctx.method.path} ${codeName(e.code)} ${(performance.now() - start).toFixed(1)}ms ${ctx.peer} ${e.rawMessage}`,
      );
      throw err;
    }
  };
}

export interface ServerAuthOptions {
  /** Header carrying the credential (default `authorization`). */
  header?: string;
  /** What comes before the token (default `Bearer`; `''` for none). Compared case-insensitively (RFC 9110 §11.1). */
  scheme?: string;
}

/**
 * Lets a call through only with a credential `verify` accepts:
 * `authorization: Bearer <token>` by default. No credential, another scheme,
 * or `verify` answering false → UNAUTHENTICATED (the client's mistake), and
 * the handler never runs. `verify` may be async, and may throw a GrpcError of
 * its own (PERMISSION_DENIED for a valid but unauthorised caller); anything
 * else it throws is the server's failure → INTERNAL.
 */
export function authServerInterceptor(
  verify: (token: string, ctx: ServerContext) => boolean | Promise<boolean>,
  options: ServerAuthOptions = {},
): ServerInterceptor {
  const header = options.header ?? 'authorization';
  const scheme = options.scheme ?? 'Bearer';
  const prefix = scheme === '' ? '' : `${scheme.toLowerCase()} `;
  return async (ctx, next) => {
    const value = ctx.metadata.get(header);
    if (typeof value !== 'string' || value === '')
      throw new GrpcError(Code.UNAUTHENTICATED, `${ctx.method.path}: no credential (${header} metadata)`);
    if (prefix !== '' && value.slice(0, prefix.length).toLowerCase() !== prefix)
      throw new GrpcError(
        Code.UNAUTHENTICATED,
        `${ctx.method.path}: the ${header} metadata is not "${scheme} <token>"`,
      );
    let accepted: boolean;
    try {
      accepted = await verify(value.slice(prefix.length), ctx);
    } catch (err) {
      if (err instanceof GrpcError) throw err;
      throw new GrpcError(
        Code.INTERNAL,
        `${ctx.method.path}: the credential check failed: ${(err as Error)?.message ?? String(err)}`,
        {
          cause: err,
        },
      );
    }
    if (accepted !== true)
      throw new GrpcError(Code.UNAUTHENTICATED, `${ctx.method.path}: the credential was not accepted`);
    return next();
  };
}

/** What metricsServerInterceptor reports of one call. */
export interface ServerCallRecord {
  /** `/package.Service/Method` */
  method: string;
  code: Code;
  /** Milliseconds from the handler's start to its end (the status written). */
  durationMs: number;
}

/** Reports every finished call to `record` (count it, put it in a histogram). */
export function metricsServerInterceptor(record: (entry: ServerCallRecord) => void): ServerInterceptor {
  return async (ctx, next) => {
    const start = performance.now();
    let code = Code.OK;
    try {
      await next();
    } catch (err) {
      code = GrpcError.from(err, Code.UNKNOWN).code;
      throw err;
    } finally {
      record({ method: ctx.method.path, code, durationMs: performance.now() - start });
    }
  };
}
