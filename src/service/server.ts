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
 * The transport (src/http2/server.ts) validates, routes by `:path` through
 * this server's table, and hands over each call; server-call.ts runs it.
 */
import type { CallDispatcher, ServerCall } from '../http2/server-stream.js';
import {
  GrpcServerTransport,
  type ListenAddress,
  type ListenOptions,
  type ListenTarget,
  type ServerTransportOptions,
} from '../http2/server.js';
import type { ServiceDefinition } from './definition.js';
import type { ExactImplementation, ImplementationOf } from './typed.js';
import type { ServerInterceptor } from './interceptors.js';
import { methodEntry, type MethodEntry, type ServiceImplementation } from './server-call.js';

export type { KeepaliveOptions, ListenAddress, ListenOptions, ListenTarget, TlsOptions } from '../http2/server.js';

export interface ServerOptions extends ServerTransportOptions {
  /** Run around every handler, first = outermost. */
  interceptors?: readonly ServerInterceptor[];
}

function dispatch(call: ServerCall, entry: MethodEntry, request: Uint8Array | undefined): void {
  void entry.run(entry, call, request);
}

export class Server {
  private readonly routes = new Map<string, MethodEntry>();
  private readonly interceptors: readonly ServerInterceptor[];
  private readonly transport: GrpcServerTransport<MethodEntry>;
  private shutdownHooks: (() => void | Promise<void>)[] | undefined = [];

  constructor(options: ServerOptions = {}) {
    this.interceptors = Object.freeze([...(options.interceptors ?? [])]);
    const routes = this.routes;
    const dispatcher: CallDispatcher<MethodEntry> = { route: (path) => routes.get(path), dispatch };
    this.transport = new GrpcServerTransport(dispatcher, options);
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
    const known = new Set<string>();
    const entries: MethodEntry[] = [];
    for (const name of Object.keys(definition.methods)) {
      const method = definition.methods[name]!;
      known.add(method.name).add(method.localName);
      const handler = impl[method.name] ?? impl[method.localName];
      if (handler === undefined) continue;
      if (typeof handler !== 'function')
        throw new TypeError(`${definition.typeName}: the handler of ${method.name} is not a function`);
      if (this.routes.has(method.path)) throw new Error(`${method.path} is already served`);
      entries.push(methodEntry(method, handler, impl, this.interceptors));
    }
    for (const key of Object.keys(impl)) {
      if (!known.has(key))
        throw new TypeError(
          `${definition.typeName} has no method "${key}" (methods: ${Object.keys(definition.methods).join(', ')})`,
        );
    }
    for (const entry of entries) this.routes.set(entry.method.path, entry);
    return this;
  }

  /**
   * Listens on `target` — `'127.0.0.1:0'`, `'[::]:50051'`, `50051`,
   * `'unix:/run/app.sock'`, `{ host, port }`, `{ path }` — in h2c, or TLS with
   * `options.tls` (mutual TLS with `requestCert` and `ca`). Resolves with the
   * bound address (`{ host, port }` or `{ path }`). May be called more than once.
   */
  listen(target: ListenTarget, options?: ListenOptions): Promise<ListenAddress> {
    return this.transport.listen(target, options);
  }

  /**
   * Runs `hook` once, when `shutdown()` or `forceShutdown()` is first called,
   * before the transport stops: e.g. the health service reports NOT_SERVING
   * and ends its Watch streams (which would otherwise never finish).
   */
  onShutdown(hook: () => void | Promise<void>): this {
    this.shutdownHooks?.push(hook);
    return this;
  }

  /** Graceful: new calls are refused, calls in flight finish, then every listener and connection is closed. */
  async shutdown(): Promise<void> {
    await Promise.allSettled(this.runShutdownHooks());
    return this.transport.shutdown();
  }

  /** Closes everything now; running handlers see `ctx.signal` abort. */
  forceShutdown(): void {
    void Promise.allSettled(this.runShutdownHooks());
    this.transport.forceShutdown();
  }

  private runShutdownHooks(): Promise<void>[] {
    const hooks = this.shutdownHooks ?? [];
    this.shutdownHooks = undefined;
    return hooks.map(async (hook) => hook());
  }
}
