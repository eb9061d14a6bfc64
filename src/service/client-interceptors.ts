/**
 * Client interceptors: code that runs around every call, in the order given,
 * the same shape as server interceptors.
 *
 *   const timing: ClientInterceptor = async (call, next) => {
 *     const start = performance.now();
 *     try {
 *       await next();
 *       console.log(call.method.path, 'OK', performance.now() - start);
 *     } catch (err) {
 *       console.log(call.method.path, GrpcError.from(err).code, performance.now() - start);
 *       throw err;
 *     }
 *   };
 *   createClient(def, 'localhost:50051', { interceptors: [timing, authInterceptor(() => token)] });
 *
 * Before `next()` an interceptor may add request metadata or change the
 * deadline (an async one may fetch a token first); throwing a GrpcError there
 * fails the call without sending it. `next()` sends the call and settles when
 * it ends: resolves on OK, rejects with the GrpcError otherwise. After it, the
 * interceptor sees the response headers and trailers (and, for unary and
 * client-streaming calls, the response). What the outermost interceptor
 * resolves or throws is what the caller gets; response messages of streaming
 * calls flow to the caller as they arrive.
 *
 * A call without interceptors takes none of these steps (no promises added).
 */
import { Code, codeName } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import type { Metadata } from '../wire/grpc/metadata.js';
import type { MethodDefinition } from './definition.js';

/** What an interceptor sees of one call. */
export interface ClientCall {
  readonly method: MethodDefinition;
  /** The target as the user wrote it. */
  readonly target: string;
  /** Request metadata (this call's own copy): add to it before `next()`. */
  readonly metadata: Metadata;
  /** Absolute deadline, epoch ms; may be changed before `next()`. */
  deadline: number | undefined;
  /** The request message (unary and server-streaming calls). */
  readonly request: unknown;
  /** The response message, after `next()` resolves (unary and client-streaming calls). */
  response: unknown;
  /** Response headers, once received. */
  headers: Metadata | undefined;
  /** Trailers, once the call has ended. */
  trailers: Metadata | undefined;
}

export type ClientInterceptor = (call: ClientCall, next: () => Promise<void>) => Promise<void>;

/** Runs `interceptors` around `send` (which starts the call and settles with it). */
export function runInterceptors(
  interceptors: readonly ClientInterceptor[],
  call: ClientCall,
  send: () => Promise<void>,
): Promise<void> {
  const step = (i: number): Promise<void> => {
    if (i === interceptors.length) return send();
    try {
      return Promise.resolve(interceptors[i]!(call, () => step(i + 1)));
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return step(0);
}

/** Logs each call's method, status and duration: `/proto.UserInfo/GetUserInfo OK 1.2ms`. */
export function loggingInterceptor(log: (line: string) => void = (line) => console.error(line)): ClientInterceptor {
  return async (call, next) => {
    const start = performance.now();
    try {
      await next();
      log(`${call.method.path} OK ${(performance.now() - start).toFixed(1)}ms`);
    } catch (err) {
      const e = GrpcError.from(err);
      log(`${call.method.path} ${codeName(e.code)} ${(performance.now() - start).toFixed(1)}ms ${e.rawMessage}`);
      throw err;
    }
  };
}

export interface AuthOptions {
  /** Header to set (default `authorization`). */
  header?: string;
  /** Put before the token (default `Bearer`; `''` for none). */
  scheme?: string;
}

/**
 * Adds a credential to every call: `authorization: Bearer <token>`. `getToken`
 * may be async (refreshing an OAuth token); if it throws, the call fails with
 * UNAUTHENTICATED and is not sent.
 */
export function authInterceptor(
  getToken: (call: ClientCall) => string | Promise<string>,
  options: AuthOptions = {},
): ClientInterceptor {
  const header = options.header ?? 'authorization';
  const scheme = options.scheme ?? 'Bearer';
  return async (call, next) => {
    let token: string;
    try {
      token = await getToken(call);
    } catch (err) {
      throw new GrpcError(
        Code.UNAUTHENTICATED,
        `could not get a credential: ${(err as Error)?.message ?? String(err)}`,
        { cause: err },
      );
    }
    call.metadata.set(header, scheme === '' ? token : `${scheme} ${token}`);
    return next();
  };
}

export interface CallRecord {
  method: string;
  code: Code;
  /** Milliseconds from the start of the call to its status. */
  durationMs: number;
}

/** Reports every finished call to `record` (count it, put it in a histogram). */
export function metricsInterceptor(record: (entry: CallRecord) => void): ClientInterceptor {
  return async (call, next) => {
    const start = performance.now();
    let code = Code.OK;
    try {
      await next();
    } catch (err) {
      code = GrpcError.from(err).code;
      throw err;
    } finally {
      record({ method: call.method.path, code, durationMs: performance.now() - start });
    }
  };
}
