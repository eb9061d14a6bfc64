/**
 * A gRPC-Web server as a fetch handler, `(request: Request) => Promise<Response>`: for runtimes that serve through
 * fetch-style handlers — Cloudflare Workers (workerd), `Deno.serve`, `Bun.serve`, service workers — where there is
 * no node:http2 to listen with.
 *
 *   const grpc = createFetchHandler({ cors: { origins: ['https://app.example'] } })
 *     .add(UserInfo, { async getUserInfo(request, ctx) { ... } });
 *   export default { fetch: grpc.fetch };       // a Worker;  Deno.serve(grpc.fetch);  Bun.serve({ fetch: grpc.fetch })
 *
 * It answers as the node:http2 Server answers gRPC-Web (src/http2/server-transport.ts), in the same order:
 *
 *   OPTIONS               a CORS preflight: 204 with the grants for an allowed origin, 403 for another (cors.ts);
 *                         405 when it is no preflight
 *   not POST              405, `allow: POST`
 *   content-type          application/grpc-web[-text][+proto] goes on; anything else is 415 (plain
 *                         application/grpc, too: it needs HTTP/2 trailers, which a fetch Response cannot send)
 *   grpc-encoding         one we cannot read: UNIMPLEMENTED (Trailers-Only)
 *   grpc-timeout          malformed: the parse error; else the call's deadline
 *   :path                 an unknown service or method: UNIMPLEMENTED, telling which (src/service/router.ts);
 *                         a client-streaming or bidi method: UNIMPLEMENTED (a fetch request cannot stream)
 *   then the call         fetch-call.ts (the request, the answer), run-call.ts (handler and interceptors)
 *
 * Services are added as on the Server (`add(definition, implementation)`, the same checks and typing); the same
 * implementations and ServerInterceptors serve both. Nothing it loads imports a Node module (only types name them).
 */
import { CorsPolicy, type GrpcWebOptions } from '../http2/cors.js';
import { Code } from '../wire/grpc/code.js';
import { parseContentType } from '../wire/grpc/content-type.js';
import { DEFAULT_MAX_MESSAGE_LENGTH } from '../wire/grpc/deframer.js';
import { GrpcError } from '../wire/grpc/error.js';
import { parseTimeout } from '../wire/grpc/timeout.js';
import type { ServiceDefinition } from '../service/definition.js';
import type { ServerInterceptor } from '../service/interceptors.js';
import { bindImplementation, unknownMethod } from '../service/router.js';
import type { ServiceImplementation } from '../service/server-call.js';
import type { ExactImplementation, ImplementationOf } from '../service/typed.js';
import { canEncode, FETCH_ACCEPT_ENCODING } from './compression.js';
import { FetchCall } from './fetch-call.js';
import { acceptsEncoding } from './header-blocks.js';
import { fetchEntry, runFetchCall, type FetchEntry } from './run-call.js';
import { WebResponder } from './web-response.js';

export interface FetchHandlerOptions {
  /** Browser origins allowed to call (CORS), as the Server's `grpcWeb` option. Default: none. */
  cors?: GrpcWebOptions;
  /** Run around every handler, first = outermost (the Server's ServerInterceptors). */
  interceptors?: readonly ServerInterceptor[];
  /** Largest request message accepted, in bytes, after decompression (default 4 MiB). */
  maxReceiveMessageLength?: number;
  /** Largest response message sent, in bytes (default: no limit). */
  maxSendMessageLength?: number;
  /** Compress responses with this, for clients that accept it (default identity). */
  compression?: 'identity' | 'gzip' | 'deflate';
}

/**
 * What the runtime may tell about a request besides the Request itself, for `ctx.peer`: `peer` (`ip:port`), or
 * Deno.serve's own second argument as it is (`remoteAddr`). Any other second argument (a Worker's `env`, Bun's
 * server) is ignored.
 */
export interface FetchRequestInfo {
  readonly peer?: string;
  readonly remoteAddr?: { readonly hostname?: string; readonly port?: number };
}

/** `ip:port` (`[v6]:port`) from what the runtime told, or '' (unknown). */
function peerOf(info: FetchRequestInfo | undefined): string {
  if (typeof info?.peer === 'string') return info.peer;
  const addr = info?.remoteAddr;
  if (typeof addr?.hostname !== 'string' || typeof addr.port !== 'number') return '';
  return addr.hostname.includes(':') ? `[${addr.hostname}]:${addr.port}` : `${addr.hostname}:${addr.port}`;
}

/** A plain HTTP refusal (not gRPC: the peer may not speak it): the status, `allow` for 405, a reason if there is one. */
function refuse(status: number, message?: string): Response {
  const headers = new Headers();
  if (status === 405) headers.set('allow', 'POST');
  if (message !== undefined) headers.set('content-type', 'text/plain; charset=utf-8');
  return new Response(message ?? null, { status, headers });
}

export class FetchHandler {
  /** `/package.Service/Method` → what runs it. */
  readonly #routes = new Map<string, FetchEntry>();
  readonly #services = new Map<string, ServiceDefinition>();
  readonly #interceptors: readonly ServerInterceptor[];
  readonly #cors: CorsPolicy;
  readonly #maxReceive: number;
  readonly #maxSend: number;
  readonly #compression: string;

  constructor(options: FetchHandlerOptions = {}) {
    this.#interceptors = Object.freeze([...(options.interceptors ?? [])]);
    this.#cors = new CorsPolicy(options.cors);
    this.#maxReceive = options.maxReceiveMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH;
    this.#maxSend = options.maxSendMessageLength ?? Number.MAX_SAFE_INTEGER;
    this.#compression = options.compression ?? 'identity';
    if (!canEncode(this.#compression))
      throw new GrpcError(
        Code.INVALID_ARGUMENT,
        `compression "${this.#compression}" is not supported here (supported: ${FETCH_ACCEPT_ENCODING})`,
      );
  }

  /** The services served (their definitions), in the order added. */
  get services(): readonly ServiceDefinition[] {
    return [...this.#services.values()];
  }

  /**
   * Serves `definition` with the handlers of `implementation`, as `Server.add` does: keyed by the method's .proto
   * name or its localName; methods without a handler answer UNIMPLEMENTED; a key that names no method is an error.
   */
  add<S extends ServiceDefinition, I extends ImplementationOf<S>>(
    definition: S,
    implementation: ExactImplementation<S, I>,
  ): this {
    const impl = implementation as ServiceImplementation;
    const bound = bindImplementation(definition, impl, { services: this.#services, routes: this.#routes });
    for (const method of bound) this.#routes.set(method.method.path, fetchEntry(method, impl, this.#interceptors));
    this.#services.set(definition.typeName, definition);
    return this;
  }

  /** The handler: give it to the runtime (`this` is bound, so `grpc.fetch` may be passed around alone). */
  readonly fetch = async (request: Request, info?: FetchRequestInfo): Promise<Response> => this.#serve(request, info);

  #serve(request: Request, info: FetchRequestInfo | undefined): Response | Promise<Response> {
    const headers = request.headers;
    if (request.method !== 'POST') {
      if (request.method === 'OPTIONS') {
        const preflight = this.#cors.preflight({
          origin: headers.get('origin') ?? undefined,
          'access-control-request-method': headers.get('access-control-request-method') ?? undefined,
          'access-control-request-headers': headers.get('access-control-request-headers') ?? undefined,
        });
        if (preflight !== undefined) {
          const { ':status': status, ...grants } = preflight;
          return new Response(null, { status: Number(status), headers: grantHeaders(grants) });
        }
      }
      void request.body?.cancel().catch(() => undefined);
      return refuse(405);
    }
    const type = parseContentType(headers.get('content-type') ?? undefined);
    if (type === undefined || type.subtype !== 'proto' || !type.web) {
      void request.body?.cancel().catch(() => undefined);
      return type !== undefined && type.subtype === 'proto'
        ? refuse(
            415,
            'gRPC needs HTTP/2 trailers, which a fetch handler cannot send: this endpoint speaks gRPC-Web only (content-type application/grpc-web or application/grpc-web-text).\n',
          )
        : refuse(415);
    }
    const responder = new WebResponder(type, headers.get('origin') ?? undefined, this.#cors);
    const reject = (error: GrpcError): Response => {
      void request.body?.cancel().catch(() => undefined);
      return responder.trailersOnly(error);
    };

    let requestEncoding = 'identity';
    const encoding = headers.get('grpc-encoding');
    if (encoding !== null) {
      requestEncoding = encoding.trim().toLowerCase();
      if (!canEncode(requestEncoding))
        return reject(
          new GrpcError(
            Code.UNIMPLEMENTED,
            `grpc-encoding "${encoding}" is not supported (supported: ${FETCH_ACCEPT_ENCODING})`,
          ),
        );
    }
    let timeoutMs: number | undefined;
    const timeout = headers.get('grpc-timeout');
    if (timeout !== null) {
      const parsed = parseTimeout(timeout);
      if (typeof parsed !== 'number') return reject(parsed);
      timeoutMs = parsed;
    }

    const url = new URL(request.url);
    const path = url.pathname + url.search; // :path as the node:http2 server sees it
    const entry = this.#routes.get(path);
    if (entry === undefined) return reject(unknownMethod(path, this.#services));
    if (entry.method.shape === 'client_streaming' || entry.method.shape === 'bidi_streaming')
      return reject(
        new GrpcError(
          Code.UNIMPLEMENTED,
          `${path} is a ${entry.method.shape.replace('_', '-')} method: gRPC-Web over fetch carries one request message, so a fetch handler serves unary and server-streaming methods only`,
        ),
      );

    const responseEncoding =
      this.#compression !== 'identity' && acceptsEncoding(headers.get('grpc-accept-encoding'), this.#compression)
        ? this.#compression
        : 'identity';
    const call = new FetchCall({
      path,
      headers,
      body: request.body,
      responder,
      maxReceiveMessageLength: this.#maxReceive,
      maxSendMessageLength: this.#maxSend,
      requestEncoding,
      responseEncoding,
      timeoutMs,
      peer: peerOf(info),
      clientSignal: request.signal,
    });
    void runFetchCall(entry, call);
    return call.response;
  }
}

/** A preflight's answer headers (cors.ts gives them as a HeaderRecord of strings). */
function grantHeaders(grants: Record<string, unknown>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(grants)) if (value !== undefined) headers.set(name, String(value));
  return headers;
}

/** A fetch handler serving gRPC-Web; add services with `.add()`, give `.fetch` to the runtime. */
export function createFetchHandler(options?: FetchHandlerOptions): FetchHandler {
  return new FetchHandler(options);
}
