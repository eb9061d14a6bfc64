/**
 * The gRPC server: services in, calls answered.
 *
 *   const server = new Server({ interceptors: [logging] });
 *   server.add(loadProtoSync('userinfo.proto').service('proto.UserInfo'), {
 *     async getUserInfo(request, ctx) { return { id: 1, name: request.name } },
 *   });
 *   const { port } = await server.listen('127.0.0.1:50051');
 *   ...
 *   await server.shutdown();   // GOAWAY; calls in flight finish; then closed
 *
 * The transport (src/http2/server-transport.ts) checks each request and hands
 * it over as a ServerStream; `handleCall` below is the one dispatch point
 * (grpc-go's handleStream): a method served here runs (server-call.ts), an
 * unknown service or method is told apart and answered UNIMPLEMENTED.
 */
import type { ServerStream } from '../http2/server-stream.js';
import {
  GrpcServerTransport,
  type AddressOf,
  type CallHandler,
  type ListenOptions,
  type ListenTarget,
  type ServerTransportOptions,
  type ShutdownOptions,
} from '../http2/server-transport.js';
import type { GrpcError } from '../wire/grpc/error.js';
import type { ServiceDefinition } from './definition.js';
import type { ExactImplementation, ImplementationOf } from './typed.js';
import type { ServerInterceptor } from './interceptors.js';
import { methodEntry, runCall, type MethodEntry, type ServiceImplementation } from './server-call.js';
import { bindImplementation, unknownMethod } from './router.js';

export type {
  ServerKeepaliveOptions,
  ShutdownOptions,
  AddressOf,
  TcpAddress,
  UnixAddress,
  ListenAddress,
  ListenOptions,
  ListenTarget,
  TlsOptions,
} from '../http2/server-transport.js';

export interface ServerOptions extends ServerTransportOptions {
  /** Run around every handler, first = outermost. */
  interceptors?: readonly ServerInterceptor[];
}

export class Server {
  /** `/package.Service/Method` → what runs it. */
  readonly #routes = new Map<string, MethodEntry>();
  /** The services added, by full name: `unknown method` rather than `unknown service` for theirs. */
  readonly #services = new Map<string, ServiceDefinition>();
  readonly #interceptors: readonly ServerInterceptor[];
  readonly #transport: GrpcServerTransport;
  #shutdownHooks: (() => void | Promise<void>)[] | undefined = [];

  constructor(options: ServerOptions = {}) {
    this.#interceptors = Object.freeze([...(options.interceptors ?? [])]);
    const handler: CallHandler = { handleCall: (stream) => this.#handleCall(stream) };
    this.#transport = new GrpcServerTransport(handler, options);
  }

  /**
   * The transport's new call, dispatched here and only here: a method we
   * serve runs; anything else is UNIMPLEMENTED, saying whether the service or
   * only the method is unknown (grpc-go's messages).
   */
  #handleCall(stream: ServerStream): void {
    const entry = this.#routes.get(stream.path);
    if (entry !== undefined) runCall(entry, stream);
    else stream.finish(this.#unknown(stream.path));
  }

  /** The services this server serves (their definitions), in the order added. */
  get services(): readonly ServiceDefinition[] {
    return [...this.#services.values()];
  }

  #unknown(path: string): GrpcError {
    return unknownMethod(path, this.#services); // router.ts: the fetch handler (src/fetch) answers the same
  }

  /**
   * Serves `definition` with the handlers of `implementation`, keyed by the
   * method's .proto name or its localName. Methods without a handler answer
   * UNIMPLEMENTED; a key that names no method is an error (a typo, surely).
   * Works before or after `listen`.
   */
  add<S extends ServiceDefinition, I extends ImplementationOf<S>>(
    definition: S,
    implementation: ExactImplementation<S, I>,
  ): this {
    const impl = implementation as ServiceImplementation; // typed per method for callers (typed.ts); one table here
    // router.ts checks the implementation against the definition (shared with the fetch handler, src/fetch).
    const entries: MethodEntry[] = bindImplementation(definition, impl, {
      services: this.#services,
      routes: this.#routes,
    }).map(({ method, handler }) => methodEntry(method, handler, impl, this.#interceptors));
    for (const entry of entries) this.#routes.set(entry.method.path, entry);
    this.#services.set(definition.typeName, definition);
    return this;
  }

  /**
   * Listens on `target` — `'127.0.0.1:0'`, `'[::]:50051'`, `50051`,
   * `'unix:/run/app.sock'`, `{ host, port }`, `{ path }` — in h2c, or TLS with
   * `options.tls` (mutual TLS with `requestCert` and `ca`). Resolves with the
   * bound address: `{ host, port }` for TCP targets (typed so:
   * `(await server.listen(0)).port` is a number), `{ path }` for unix sockets.
   * May be called more than once. A bind failure is UNAVAILABLE naming the
   * address (`cannot listen on [::]:50052: the address is in use`).
   */
  listen<T extends ListenTarget>(target: T, options?: ListenOptions): Promise<AddressOf<T>> {
    return this.#transport.listen(target, options);
  }

  /**
   * Runs `hook` once, when `shutdown()` or `forceShutdown()` is first called,
   * before the transport stops: e.g. the health service reports NOT_SERVING
   * and ends its Watch streams (which would otherwise never finish).
   */
  onShutdown(hook: () => void | Promise<void>): this {
    this.#shutdownHooks?.push(hook);
    return this;
  }

  /**
   * Graceful, and sure to end: new calls are refused (GOAWAY), calls in flight
   * get `graceMs` (default 30 s) to finish, then whatever still runs is
   * closed as by `forceShutdown()`. Resolves once every listener and
   * connection is closed.
   */
  async shutdown(options?: ShutdownOptions): Promise<void> {
    await Promise.allSettled(this.#runShutdownHooks());
    return this.#transport.shutdown(options);
  }

  /** Closes everything now; running handlers see `ctx.signal` abort. */
  forceShutdown(): void {
    void Promise.allSettled(this.#runShutdownHooks());
    this.#transport.forceShutdown();
  }

  #runShutdownHooks(): Promise<void>[] {
    const hooks = this.#shutdownHooks ?? [];
    this.#shutdownHooks = undefined;
    return hooks.map(async (hook) => hook());
  }
}
