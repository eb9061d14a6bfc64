/**
 * A channel: where a client's calls go. It holds, for its target, one
 * subchannel per address (subchannel.ts: an HTTP/2 connection, its backoff
 * and its connectivity state) and a load-balancing policy (balancer.ts) that
 * picks, for each call, the connection it goes out on:
 *
 *     target ──resolver.ts──▶ addresses ──balancer.ts──▶ subchannels ──▶ HTTP/2 sessions
 *
 * gRPC calls are HTTP/2 streams, so any number of them share a connection.
 * Nothing connects before the first call. The channel's state sums its
 * subchannels up (grpc/grpc doc/connectivity-semantics-and-api.md):
 *
 *     IDLE ──call──▶ CONNECTING ──ok──▶ READY ──every connection lost──▶ IDLE
 *                        │  ▲
 *         every address  ▼  │ some address's backoff elapsed (and someone is waiting)
 *              failed   TRANSIENT_FAILURE
 *
 * - A call made while CONNECTING waits. If every address fails, calls fail at
 *   once with UNAVAILABLE naming the target and each address's error, unless
 *   they asked to wait for ready: those wait for a later attempt (or their
 *   deadline).
 * - A call already sent on a connection that dies fails (UNAVAILABLE, in
 *   client-stream.ts); new calls go to the connections still up.
 * - Idle, connections do not keep the process alive (they are unref'd while no
 *   call is active), and `close()` ends them for good.
 */
import type http2 from 'node:http2';
import type { HeaderRecord } from '../wire/grpc/metadata.js';
import type { BackoffOptions } from './backoff.js';
import { createBalancer, type Balancer, type LoadBalancingPolicy } from './balancer.js';
import { methodHeaders, type ChannelHeaderOptions } from './request-headers.js';
import { Resolver, type LookupFunction } from './resolver.js';
import { RetryBuffer, RetryThrottle } from './retry-budget.js';
import { parseServiceConfig, type MethodConfig, type ServiceConfig, type ServiceConfigInit } from './service-config.js';
import type { ByteStream } from '../h2/byte-stream.js';
import { ownClientTransport } from './client-transport.js';
import type {
  ChannelKeepaliveOptions,
  ChannelTlsOptions,
  ChannelTransport,
  Connection,
  ConnectivityState,
} from './subchannel.js';
import { parseTarget, type Address, type Target } from './target.js';

export { Connection } from './subchannel.js';
export type { ChannelKeepaliveOptions, ChannelTlsOptions, ChannelTransport, ConnectivityState } from './subchannel.js';
export type { MethodConfig, ServiceConfig, ServiceConfigInit } from './service-config.js';
export type { LoadBalancingPolicy } from './balancer.js';

export interface ChannelOptions {
  /** `true` for TLS with the system CAs, or TLS/mTLS settings. Default: plaintext (h2c). */
  tls?: boolean | ChannelTlsOptions;
  /** The `:authority` to send instead of the target's (also the default TLS server name). */
  authority?: string;
  /** Put in front of `wiregrpc/<version>` in `user-agent`. */
  userAgent?: string;
  keepalive?: ChannelKeepaliveOptions;
  backoff?: BackoffOptions;
  /** Largest response message accepted, bytes (default 4 MiB). */
  maxReceiveMessageLength?: number;
  /** Largest request message sent, bytes (default: no limit). */
  maxSendMessageLength?: number;
  /**
   * Passed to `http2.connect` (HTTP/2 settings, maxSessionMemory, ...). With
   * transport 'wiregrpc' only its `settings` apply (what we advertise).
   */
  http2?: http2.ClientSessionOptions;
  /**
   * Whose HTTP/2 the connections speak: 'node:http2' (node's, the default) or
   * 'wiregrpc' (wiregrpc's own, src/h2). Absent: `WIREGRPC_TRANSPORT` from the
   * environment, else 'node:http2'. 'wiregrpc' needs the own HTTP/2 client in
   * the program: `wiregrpc` and `wiregrpc/sockets` include it; with
   * `wiregrpc/core`, call `registerWiregrpcTransport()` from `wiregrpc/http2`
   * once first (without it: a TypeError when the channel is created).
   */
  transport?: ChannelTransport;
  /**
   * Transport 'wiregrpc' over byte streams of your own, for runtimes with
   * sockets but no node:net (Deno, Bun, cloudflare:sockets in workerd: see
   * src/h2/deno-socket.ts, bun-socket.ts, cf-socket.ts). Called for each
   * connection to one of the target's addresses; TLS, if any, is its business
   * (`tls` then only sets `:scheme` https). Implies transport 'wiregrpc' (and
   * needs its client, as `transport` says).
   */
  connect?: (address: Address) => ByteStream;
  /** How calls spread over the target's addresses (balancer.ts). Default `pick_first`, or the service config's. */
  loadBalancing?: LoadBalancingPolicy;
  /**
   * Service config (gRFC A2), JSON form: per-method timeout, waitForReady,
   * message size limits, retry or hedging policy; retry throttling; load
   * balancing (service-config.ts). Checked here: a bad one is a TypeError
   * naming the field.
   */
  serviceConfig?: ServiceConfigInit;
  /** Request bytes all of the channel's calls may keep for retries and hedges before they commit (default 16 MiB). */
  retryBufferBytes?: number;
  /** Request bytes one call may keep for retries and hedges before it commits (default 1 MiB). */
  perCallRetryBufferBytes?: number;
  /** Name lookup for `dns:` targets: `dns.lookup(host, { all: true })` by default (resolver.ts). */
  lookup?: LookupFunction;
}

/** What a channel needs from a call that asks for a connection (ClientStream implements it). */
export interface ChannelCall {
  readonly waitForReady: boolean;
  /** The connection is ready: open the stream on it. */
  attach(connection: Connection): void;
  /** No connection could be had: fail the call with UNAVAILABLE and this cause. */
  unavailable(cause: string, error?: Error): void;
}

const MIB = 1024 * 1024;
/** Header templates a channel keeps (one per `:path`): far more methods than one client uses. */
const MAX_TEMPLATES = 512;

export class Channel {
  readonly target: Target;
  readonly maxReceiveMessageLength: number;
  readonly maxSendMessageLength: number;
  private readonly headerOptions: ChannelHeaderOptions;
  private readonly templates = new Map<string, HeaderRecord>();
  private readonly balancer: Balancer;
  /** The parsed service config, if one was given. */
  readonly serviceConfig: ServiceConfig | undefined;
  /** @internal The token bucket of the service config's retryThrottling (per channel, so per target). */
  readonly retryThrottle: RetryThrottle | undefined;
  /** @internal Request bytes kept for retries by this channel's calls. */
  readonly retryBuffer: RetryBuffer;
  /** Calls waiting for a connection. */
  private readonly waiting = new Set<ChannelCall>();
  private closed: Promise<void> | undefined;

  constructor(target: string | Target, options: ChannelOptions = {}) {
    this.target = typeof target === 'string' ? parseTarget(target) : target;
    this.serviceConfig = options.serviceConfig === undefined ? undefined : parseServiceConfig(options.serviceConfig);
    const throttling = this.serviceConfig?.retryThrottling;
    this.retryThrottle = throttling === undefined ? undefined : new RetryThrottle(throttling);
    this.retryBuffer = new RetryBuffer(options.retryBufferBytes ?? 16 * MIB, options.perCallRetryBufferBytes ?? MIB);
    this.maxReceiveMessageLength = options.maxReceiveMessageLength ?? 4 * MIB;
    this.maxSendMessageLength = options.maxSendMessageLength ?? Number.MAX_SAFE_INTEGER;
    this.headerOptions = {
      scheme: options.tls ? 'https' : 'http',
      authority: options.authority ?? this.target.authority,
      userAgentPrefix: options.userAgent,
    };
    const connectOptions = {
      tls: options.tls,
      authority: this.headerOptions.authority,
      // The channel's own copy: a "too_many_pings" GOAWAY doubles its timeMs for
      // every later connection of this channel (subchannel.ts), not the caller's object.
      keepalive: options.keepalive === undefined ? undefined : { ...options.keepalive },
      backoff: options.backoff,
      http2: options.http2,
      transport: channelTransport(options),
      connect: options.connect,
    };
    this.balancer = createBalancer(
      options.loadBalancing ?? this.serviceConfig?.loadBalancingPolicy,
      new Resolver(this.target, options.lookup),
      connectOptions,
      this,
    );
  }

  /**
   * The constant request headers of a method (`:path`), built once and cached.
   * The cache is bounded: a stub caches its methods when it is made
   * (service/client.ts), but a raw caller (the CLI, a proxy) may send any
   * number of distinct paths. Past MAX_TEMPLATES, a path's template is built
   * for its call and dropped, as a cache miss would be anyway.
   */
  methodHeaders(path: string): HeaderRecord {
    let template = this.templates.get(path);
    if (template === undefined) {
      template = methodHeaders(this.headerOptions, path);
      if (this.templates.size < MAX_TEMPLATES) this.templates.set(path, template);
    }
    return template;
  }

  /** The service config's settings for a method (`:path`), if any. */
  methodConfig(path: string): MethodConfig | undefined {
    return this.serviceConfig?.methodConfig(path);
  }

  getState(): ConnectivityState {
    return this.closed ? 'shutdown' : this.balancer.state;
  }

  /** Gives the call a connection now, later, or an error (see the state diagram above). */
  start(call: ChannelCall): void {
    // The hot path: a ready connection (a field read with pick_first, an index step with round_robin).
    const conn = this.balancer.pick();
    if (conn !== undefined) {
      call.attach(conn);
      if (this.balancer.reconnect) this.balancer.exitIdle(); // round_robin: an address is back to IDLE: retry it
      return;
    }
    if (this.closed) {
      call.unavailable('channel closed');
      return;
    }
    switch (this.balancer.state) {
      case 'idle':
        this.waiting.add(call);
        this.balancer.exitIdle();
        return;
      case 'transient_failure':
        if (call.waitForReady) {
          this.waiting.add(call);
          this.balancer.setWanted(true); // a waiting call keeps the process alive until the next attempt
        } else {
          call.unavailable(this.balancer.failureMessage(), this.balancer.failureCause());
        }
        return;
      default: // connecting (or ready with every connection just lost: the balancer tells us soon)
        this.waiting.add(call);
        if (this.balancer.reconnect) this.balancer.exitIdle();
        return;
    }
  }

  /** The call stopped waiting (deadline, cancellation). */
  forget(call: ChannelCall): void {
    this.waiting.delete(call);
    if (this.waiting.size === 0) this.balancer.setWanted(false);
  }

  /**
   * Opening a stream on `conn` threw (it was closing and we had not heard yet):
   * stop using it. The call then asks again with `start`.
   */
  connectionBroken(conn: Connection, error: Error): void {
    this.balancer.connectionBroken(conn, error);
  }

  /** Text for an error message: `<cause> (target localhost:50051)`. */
  describe(cause: string): string {
    return `${cause} (target ${this.target.text})`;
  }

  /**
   * No new calls; calls in flight finish, then the connections close. The
   * promise resolves once they have. A process whose channels are all closed exits.
   */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closed = this.balancer.close();
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const call of waiting) call.unavailable('channel closed');
    return this.closed;
  }

  /** BalancerListener: a connection came up or went, or every address failed. Hands waiting calls on. */
  balancerChanged(): void {
    if (this.waiting.size === 0 || this.closed || this.balancer.state === 'connecting') return;
    const calls = [...this.waiting];
    this.waiting.clear();
    for (const call of calls) this.start(call); // attach, fail fast, or wait again
    if (this.waiting.size === 0) this.balancer.setWanted(false);
  }
}

const TRANSPORTS: readonly ChannelTransport[] = ['node:http2', 'wiregrpc'];

/**
 * The channel's transport: the option, else WIREGRPC_TRANSPORT, else node:http2. A value that is neither is a
 * TypeError; so is 'wiregrpc' in a program that does not include the own HTTP/2 client (client-transport.ts).
 */
function channelTransport(options: ChannelOptions): ChannelTransport {
  if (options.connect !== undefined) {
    if (options.transport === 'node:http2')
      throw new TypeError("channel option connect needs transport 'wiregrpc' (node:http2 makes its own sockets)");
    ownClientTransport('channel option connect');
    return 'wiregrpc';
  }
  if (options.transport !== undefined) {
    if (!TRANSPORTS.includes(options.transport))
      throw new TypeError(
        `channel option transport must be 'node:http2' or 'wiregrpc', not ${JSON.stringify(options.transport)}`,
      );
    if (options.transport === 'wiregrpc') ownClientTransport("channel option transport 'wiregrpc'");
    return options.transport;
  }
  const env = typeof process === 'undefined' ? undefined : process.env?.WIREGRPC_TRANSPORT;
  if (env === undefined || env === '') return 'node:http2';
  if (!(TRANSPORTS as readonly string[]).includes(env))
    throw new TypeError(`WIREGRPC_TRANSPORT must be 'node:http2' or 'wiregrpc', not ${JSON.stringify(env)}`);
  if (env === 'wiregrpc') ownClientTransport('WIREGRPC_TRANSPORT=wiregrpc');
  return env as ChannelTransport;
}
