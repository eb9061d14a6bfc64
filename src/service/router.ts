/**
 * Which handler a call's `:path` names — the part of serving that knows no transport, shared by the node:http2
 * Server (server.ts) and the fetch handler (src/fetch):
 *
 *   add(definition, implementation)   each method of the definition  →  its handler, keyed by `/pkg.Service/Method`
 *   a call to /pkg.Service/Method      the handler runs
 *   a call to anything else            UNIMPLEMENTED, saying whether the service or only the method is unknown
 *                                      (grpc-go's messages), or that the path is no method name at all
 *
 * Handlers are looked up by the .proto method name (`GetUserInfo`) or its localName (`getUserInfo`). A key of the
 * implementation that names no method is the programmer's mistake (a typo, surely): a TypeError when the service
 * is added, not a method that silently never runs. Nothing here imports Node.
 */
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import type { ServerContext } from './context.js';
import type { MethodDefinition, ServiceDefinition } from './definition.js';
import type { ServiceImplementation } from './server-call.js';

/** A method and the function that serves it (called as `handler.call(implementation, request, ctx)`). */
export interface BoundMethod {
  readonly method: MethodDefinition;
  readonly handler: (this: unknown, request: unknown, ctx: ServerContext) => unknown;
}

/** What a server serves already: services by full name, methods by path. */
export interface Served {
  readonly services: ReadonlyMap<string, unknown>;
  readonly routes: ReadonlyMap<string, unknown>;
}

/**
 * The methods of `definition` that `implementation` has a handler for. Throws (nothing added) for a service served
 * already, a method path taken, a handler that is not a function, or a key that names no method.
 */
export function bindImplementation(
  definition: ServiceDefinition,
  implementation: ServiceImplementation,
  served: Served,
): BoundMethod[] {
  if (served.services.has(definition.typeName))
    throw new Error(
      `${definition.typeName} is already served by this server: add each service once, with all its handlers`,
    );
  const known = new Set<string>();
  const bound: BoundMethod[] = [];
  for (const name of Object.keys(definition.methods)) {
    const method = definition.methods[name]!;
    known.add(method.name).add(method.localName);
    const handler: unknown = implementation[method.name] ?? implementation[method.localName];
    if (handler === undefined) continue;
    if (typeof handler !== 'function')
      throw new TypeError(`${definition.typeName}: the handler of ${method.name} is not a function`);
    if (served.routes.has(method.path)) throw new Error(`${method.path} is already served`);
    bound.push({ method, handler: handler as BoundMethod['handler'] });
  }
  for (const key of Object.keys(implementation)) {
    if (!known.has(key))
      throw new TypeError(
        `${definition.typeName} has no method "${key}" (methods: ${Object.keys(definition.methods).join(', ')})`,
      );
  }
  return bound;
}

/** The answer to a call of a path no handler serves: UNIMPLEMENTED, naming what is unknown. */
export function unknownMethod(path: string, services: ReadonlyMap<string, ServiceDefinition>): GrpcError {
  const slash = path.lastIndexOf('/');
  if (!path.startsWith('/') || slash <= 1 || slash === path.length - 1)
    return new GrpcError(Code.UNIMPLEMENTED, `malformed method name ${JSON.stringify(path)}`);
  const service = path.slice(1, slash);
  const method = path.slice(slash + 1);
  const served = services.get(service);
  if (served === undefined) return new GrpcError(Code.UNIMPLEMENTED, `unknown service ${service} (${path})`);
  const known = Object.values(served.methods).some((m) => m.name === method);
  return new GrpcError(
    Code.UNIMPLEMENTED,
    known
      ? `method ${method} of service ${service} is not implemented here (${path})`
      : `unknown method ${method} for service ${service} (${path})`,
  );
}
