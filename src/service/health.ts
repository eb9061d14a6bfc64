/**
 * The standard gRPC health service, `grpc.health.v1.Health`
 * (proto/grpc/health/v1/health.proto; grpc/grpc doc/health-checking.md).
 *
 *   const health = addHealth(server);              // "" (the whole server) is SERVING
 *   health.setStatus('proto.UserInfo', 'SERVING');
 *   health.setStatus('proto.UserInfo', 'NOT_SERVING'); // every Watch sees it at once
 *   await server.shutdown();  // first: everything NOT_SERVING, Watch streams end
 *
 * Load balancers, Kubernetes gRPC probes and grpc_health_probe call it:
 * - Check(service): the status now; a service nobody set a status for is
 *   NOT_FOUND (the probe's "unknown service").
 * - Watch(service): the status at once, then one message per change, until
 *   the client cancels or the server shuts down. An unknown service is not an
 *   error there: it is streamed as SERVICE_UNKNOWN, and a later setStatus is
 *   streamed too. Changes faster than the client reads are coalesced: a
 *   watcher always gets the latest status, never a stale queue.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import type { ServerContext } from './context.js';
import type { ServiceDefinition } from './definition.js';
import { loadProtoSync, type ProtoSet } from './load.js';
import type { Server } from './server.js';

/** What a service can be set to. (SERVICE_UNKNOWN is only ever sent by Watch.) */
export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING';

/** HealthCheckResponse.ServingStatus, as on the wire. */
const STATUS = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } as const;
const STATUS_NAME = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

export interface HealthCheckRequest {
  service: string;
}
export interface HealthCheckResponse {
  status: number;
}

// The same code runs from src/service/ and from dist/src/service/.
const PROTO_FILE = ['../../proto/grpc/health/v1/health.proto', '../../../proto/grpc/health/v1/health.proto']
  .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
  .find((file) => existsSync(file));
if (PROTO_FILE === undefined)
  throw new Error('wiregrpc: proto/grpc/health/v1/health.proto is missing from the package');

/** proto/grpc/health/v1/health.proto, loaded (for server reflection). */
export const healthProtos: ProtoSet = loadProtoSync(PROTO_FILE);
/** `grpc.health.v1.Health`: Check (unary) and Watch (server-streaming). */
export const Health: ServiceDefinition = healthProtos.service('grpc.health.v1.Health');

/**
 * The statuses, and the Check/Watch handlers. An instance is itself the
 * implementation: `server.add(Health, health)` (or `addHealth(server)`,
 * which also hooks it into the server's shutdown).
 */
export class HealthService {
  readonly #statuses = new Map<string, number>();
  /** Watchers waiting for a change; each removes itself when woken. */
  readonly #waiters = new Set<() => void>();
  /** After shutdown(): every status NOT_SERVING, updates ignored until resume(). */
  #shutDown = false;
  /** After close(): Watch streams end (after sending the last status). */
  #closed = false;

  /** Starts with `statuses`, and "" (the server as a whole) SERVING unless given. */
  constructor(statuses: Readonly<Record<string, ServingStatus>> = {}) {
    this.#statuses.set('', STATUS.SERVING);
    for (const [service, status] of Object.entries(statuses)) this.#set(service, status);
  }

  /** Sets a service's status ("" = the whole server); watchers are told. Ignored after shutdown(). */
  setStatus(service: string, status: ServingStatus): void {
    if (this.#shutDown) return;
    this.#set(service, status);
  }

  /** The status set for `service`, or undefined if none is (Check would answer NOT_FOUND). */
  getStatus(service: string): ServingStatus | undefined {
    const status = this.#statuses.get(service);
    return status === undefined ? undefined : (STATUS_NAME[status] as ServingStatus);
  }

  /** Forgets `service`: Check answers NOT_FOUND again, watchers see SERVICE_UNKNOWN. */
  clearStatus(service: string): void {
    if (this.#shutDown || !this.#statuses.delete(service)) return;
    this.#notify();
  }

  /**
   * Every known service NOT_SERVING, and later setStatus calls ignored, so
   * that nothing flips back while the server drains. Undone by resume().
   */
  shutdown(): void {
    this.#shutDown = true;
    for (const service of this.#statuses.keys()) this.#statuses.set(service, STATUS.NOT_SERVING);
    this.#notify();
  }

  /** After shutdown(): every known service SERVING again, updates accepted. */
  resume(): void {
    this.#shutDown = false;
    for (const service of this.#statuses.keys()) this.#statuses.set(service, STATUS.SERVING);
    this.#notify();
  }

  /** shutdown(), then every Watch stream ends once it has sent NOT_SERVING. Run by the server's shutdown. */
  close(): void {
    this.shutdown();
    this.#closed = true;
    this.#notify();
  }

  /** Check: the status now, or NOT_FOUND. */
  async check(request: HealthCheckRequest): Promise<HealthCheckResponse> {
    const status = this.#statuses.get(request.service);
    if (status === undefined) throw new GrpcError(Code.NOT_FOUND, `unknown service: ${request.service}`);
    return { status };
  }

  /** Watch: the status at once, then every change, until cancel or close(). */
  async *watch(request: HealthCheckRequest, ctx: ServerContext): AsyncGenerator<HealthCheckResponse> {
    let sent = -1;
    for (;;) {
      if (ctx.signal.aborted) return;
      const status = this.#statuses.get(request.service) ?? STATUS.SERVICE_UNKNOWN;
      if (status !== sent) {
        sent = status;
        yield { status };
        continue; // the status may have changed again while that was being written
      }
      if (this.#closed) return;
      await this.#changed(ctx.signal);
    }
  }

  #set(service: string, status: ServingStatus): void {
    if (typeof service !== 'string')
      throw new TypeError('health: the service name must be a string ("" for the whole server)');
    const value: number | undefined =
      status === 'SERVING' || status === 'NOT_SERVING' || status === 'UNKNOWN' ? STATUS[status] : undefined;
    if (value === undefined) {
      throw new TypeError(
        `health: invalid status ${JSON.stringify(status)} (use 'SERVING', 'NOT_SERVING' or 'UNKNOWN')`,
      );
    }
    if (this.#statuses.get(service) === value) return;
    this.#statuses.set(service, value);
    this.#notify();
  }

  #notify(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves at the next change, close(), or when `signal` aborts. */
  #changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted || this.#closed) return resolve();
      const wake = () => {
        this.#waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.#waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }
}

/**
 * Serves the health service on `server`, and makes `server.shutdown()` first
 * report every service NOT_SERVING and end the Watch streams (without that,
 * a graceful shutdown would wait forever for them).
 */
export function addHealth(server: Server, statuses?: Readonly<Record<string, ServingStatus>>): HealthService {
  const health = new HealthService(statuses);
  server.add(Health, health);
  server.onShutdown(() => health.close());
  return health;
}
