/**
 * Client-side load balancing: which subchannel (one per address, subchannel.ts)
 * each call goes to. Two policies, as gRPC defines them
 * (grpc/grpc doc/load-balancing.md):
 *
 *   pick_first   (default) connect to the addresses one at a time, in order,
 *                and send every call to the first that works. When it goes
 *                away, start over from the top of the list.
 *   round_robin  connect to every address; send each call to the next ready
 *                one in turn. An address that goes away is skipped until it
 *                connects again (it is retried, with its own backoff, as calls
 *                keep coming).
 *
 * The balancer also sums its subchannels up into the channel's state:
 * READY if any is ready, else CONNECTING if any is connecting (or the name is
 * being looked up), else IDLE if any could be tried, else TRANSIENT_FAILURE —
 * and then `failureMessage()` lists every address with its last error.
 *
 * `pick()` is the per-call hot path: a field read for pick_first, an index
 * step for round_robin; no allocation.
 */
import { GrpcError } from '../wire/grpc/error.js';
import { Backoff } from './backoff.js';
import type { Resolver } from './resolver.js';
import {
  Subchannel,
  type Connection,
  type ConnectOptions,
  type ConnectivityState,
  type SubchannelListener,
} from './subchannel.js';
import type { Address } from './target.js';
import { formatAddress } from './target.js';

export type LoadBalancingPolicy = 'pick_first' | 'round_robin';

/** Told whenever the balancer's state or set of ready connections may have changed (the channel). */
export interface BalancerListener {
  balancerChanged(): void;
}

export abstract class Balancer implements SubchannelListener {
  state: ConnectivityState = 'idle';
  /**
   * round_robin: some address is IDLE (lost, or its backoff is over) and should
   * be tried again. The channel checks this one field per call.
   */
  reconnect = false;
  protected subchannels: Subchannel[] = [];
  private resolving = false;
  private resolveError: string | undefined;
  private resolveTimer: NodeJS.Timeout | undefined;
  private readonly resolveBackoff: Backoff;
  private wanted = false;

  constructor(
    private readonly resolver: Resolver,
    private readonly connectOptions: ConnectOptions,
    private readonly listener: BalancerListener,
  ) {
    this.resolveBackoff = new Backoff(connectOptions.backoff);
  }

  /** The connection for the next call, or undefined when none is ready. */
  abstract pick(): Connection | undefined;

  /** Connects what the policy wants connected. */
  protected abstract connectSome(): void;

  /** A subchannel changed state (`sub` undefined: the list changed): update the policy's ready set. */
  protected abstract onSubchannel(sub: Subchannel | undefined, previous: ConnectivityState): void;

  /** A call is waiting for a connection: look the name up first if needed, then connect. */
  exitIdle(): void {
    if (this.subchannels.length === 0) {
      if (this.resolver.fixed !== undefined) {
        this.setAddresses(this.resolver.fixed); // addresses known without a lookup: no wait
      } else {
        if (!this.resolving && this.resolveError === undefined) this.resolveFirst();
        return;
      }
    }
    this.connectSome();
  }

  /** Calls wait for us: backoff timers keep the process alive while they do. */
  setWanted(wanted: boolean): void {
    if (this.wanted === wanted) return;
    this.wanted = wanted;
    for (const sub of this.subchannels) sub.setWanted(wanted);
    if (wanted) this.resolveTimer?.ref();
    else this.resolveTimer?.unref();
  }

  /** Opening a stream on `conn` threw: the subchannel that owns it stops using it. */
  connectionBroken(conn: Connection, error: Error): void {
    const sub = this.subchannels.find((s) => s.conn === conn);
    if (sub !== undefined) sub.broken(conn, error);
    else conn.lostReason ??= error.message;
  }

  /** Why no call can go out: the lookup error, or every address with its last error (`; `-separated). */
  failureMessage(): string {
    if (this.resolveError !== undefined) return this.resolveError;
    const failed = this.subchannels.filter((s) => s.lastError !== undefined);
    return (failed.length > 0 ? failed : this.subchannels).map((s) => s.describeFailure()).join('; ');
  }

  /** The error object behind the failure, if one (the last address's), as the `cause` of the call's error. */
  failureCause(): Error | undefined {
    let cause: Error | undefined;
    for (const s of this.subchannels) cause = s.lastErrorObject ?? cause;
    return cause;
  }

  close(): Promise<void> {
    clearTimeout(this.resolveTimer);
    const subs = this.subchannels;
    this.subchannels = [];
    this.onSubchannel(undefined, 'shutdown'); // nothing left to pick
    this.state = 'shutdown';
    return Promise.all(subs.map((s) => s.close())).then(() => undefined);
  }

  // ── SubchannelListener ──────────────────────────────────────────────────────

  subchannelChanged(sub: Subchannel, previous: ConnectivityState): void {
    if (this.state === 'shutdown') return;
    this.onSubchannel(sub, previous);
    this.recompute();
    // A connection was lost, or nothing works: the name may point elsewhere now.
    if (previous === 'ready' || this.state === 'transient_failure') this.refresh();
    this.listener.balancerChanged();
  }

  // ── Addresses ───────────────────────────────────────────────────────────────

  /** The resolver's (new) list: keep the subchannels of addresses still in it, add new ones, close the rest. */
  protected setAddresses(addresses: readonly Address[]): void {
    const old = new Map(this.subchannels.map((s) => [s.name, s]));
    const next: Subchannel[] = [];
    for (const address of addresses) {
      const name = formatAddress(address);
      if (next.some((s) => s.name === name)) continue;
      let sub = old.get(name);
      if (sub === undefined) {
        sub = new Subchannel(address, this.connectOptions, this);
        sub.setWanted(this.wanted);
      }
      old.delete(name);
      next.push(sub);
    }
    this.subchannels = next;
    for (const gone of old.values()) void gone.close(); // calls on it finish; it reports 'shutdown'
    this.onSubchannel(undefined, 'shutdown'); // let the policy rebuild its ready set
    this.recompute();
  }

  private resolveFirst(): void {
    this.resolving = true;
    this.recompute();
    this.resolver.resolve().then(
      (addresses) => {
        this.resolving = false;
        if (this.state === 'shutdown') return;
        this.resolveBackoff.reset();
        this.setAddresses(addresses);
        this.connectSome();
        this.listener.balancerChanged();
      },
      (err: Error) => {
        this.resolving = false;
        if (this.state === 'shutdown') return;
        this.resolveError = err instanceof GrpcError ? err.rawMessage : err.message; // a reason is text: no `CODE:` prefix
        this.resolveTimer = setTimeout(() => {
          this.resolveTimer = undefined;
          this.resolveError = undefined;
          this.recompute();
          this.listener.balancerChanged();
        }, this.resolveBackoff.next());
        if (!this.wanted) this.resolveTimer.unref();
        this.recompute();
        this.listener.balancerChanged();
      },
    );
  }

  /** Looks the name up again in the background (static targets: never; names: at most every 30 s). */
  private refresh(): void {
    if (!this.resolver.canRefresh()) return;
    this.resolver.resolve().then(
      (addresses) => {
        if (this.state === 'shutdown') return;
        const same =
          addresses.length === this.subchannels.length &&
          addresses.every((a, i) => formatAddress(a) === this.subchannels[i]!.name);
        if (same) return;
        this.setAddresses(addresses);
        this.listener.balancerChanged();
      },
      () => {}, // keep the addresses we have
    );
  }

  private recompute(): void {
    if (this.state === 'shutdown') return;
    let ready = false;
    let connecting = this.resolving;
    let idle = false;
    for (const s of this.subchannels) {
      if (s.state === 'ready') ready = true;
      else if (s.state === 'connecting') connecting = true;
      else if (s.state === 'idle') idle = true;
    }
    if (this.subchannels.length === 0 && this.resolveError === undefined) idle = true;
    this.state = ready ? 'ready' : connecting ? 'connecting' : idle ? 'idle' : 'transient_failure';
  }
}

/** One address at a time, in order; every call to the first that connects. */
export class PickFirst extends Balancer {
  private current: Connection | undefined;

  pick(): Connection | undefined {
    return this.current;
  }

  protected connectSome(): void {
    for (const s of this.subchannels) if (s.state === 'connecting' || s.state === 'ready') return;
    for (const s of this.subchannels) {
      if (s.state === 'idle') {
        s.connect();
        return;
      }
    }
  }

  protected onSubchannel(sub: Subchannel | undefined, previous: ConnectivityState): void {
    const ready = this.subchannels.find((s) => s.state === 'ready');
    this.current = ready?.conn;
    // An attempt failed: go on down the list at once (each address has its own backoff).
    if (sub !== undefined && previous === 'connecting' && sub.state === 'transient_failure') this.connectSome();
  }
}

/** Every address connected; calls go to the ready ones in turn. */
export class RoundRobin extends Balancer {
  private ready: Connection[] = [];
  private next = 0;

  pick(): Connection | undefined {
    const ready = this.ready;
    if (ready.length === 0) return undefined;
    if (this.next >= ready.length) this.next = 0;
    return ready[this.next++];
  }

  protected connectSome(): void {
    this.reconnect = false;
    for (const s of this.subchannels) if (s.state === 'idle') s.connect();
  }

  protected onSubchannel(): void {
    const ready: Connection[] = [];
    let idle = false;
    for (const s of this.subchannels) {
      if (s.state === 'ready') ready.push(s.conn!);
      else if (s.state === 'idle') idle = true;
    }
    this.ready = ready;
    this.reconnect = idle;
  }
}

export function createBalancer(
  policy: LoadBalancingPolicy | undefined,
  resolver: Resolver,
  connectOptions: ConnectOptions,
  listener: BalancerListener,
): Balancer {
  switch (policy ?? 'pick_first') {
    case 'pick_first':
      return new PickFirst(resolver, connectOptions, listener);
    case 'round_robin':
      return new RoundRobin(resolver, connectOptions, listener);
    default:
      throw new TypeError(`unknown load balancing policy ${JSON.stringify(policy)} (pick_first, round_robin)`);
  }
}
