/**
 * The seam between a channel and wiregrpc's own HTTP/2 client: one slot that
 * holds "open a ClientSession to this address with these options" for
 * transport 'wiregrpc'. node:http2 is always there (h2-client-node.ts); our
 * own HTTP/2 (src/h2 behind h2-client-connect.ts) is a part a program opts
 * into, so that a client that never asks for it does not carry it: the bench's
 * wiregrpc/core client program (bench/peers/cold-wiregrpc-gen.ts), esbuild
 * --minify + gzip -9, is 54.3 KiB with src/h2's client in it, 37.7 without.
 *
 *   channel.ts (check), subchannel.ts (connect) ──ownClientTransport()──▶ slot ◀──registerClientTransport()── h2-client-connect.ts
 *
 * Who fills the slot: `wiregrpc` and `wiregrpc/sockets` on import;
 * `wiregrpc/core` never — its users call `registerWiregrpcTransport()` from
 * `wiregrpc/http2` once (grpc-js registers its resolvers the same way).
 */
import type { ConnectOptions } from './h2-client-options.js';
import type { ClientSession } from './h2-client-session.js';
import type { Address } from './target.js';

/** Opens a session to `address`; throws for options it cannot use (bad TLS options), before any I/O. */
export type OpenClientSession = (address: Address, options: ConnectOptions) => ClientSession;

let ownHttp2: OpenClientSession | undefined;

/** Puts wiregrpc's own HTTP/2 client in the slot (idempotent: the same function each time). */
export function registerClientTransport(open: OpenClientSession): void {
  ownHttp2 = open;
}

/**
 * The own HTTP/2 client. Not registered: a TypeError that says what asked for it (`why`: the channel option or
 * WIREGRPC_TRANSPORT) and what to import — never node:http2 in its place.
 */
export function ownClientTransport(why = "transport 'wiregrpc'"): OpenClientSession {
  if (ownHttp2 !== undefined) return ownHttp2;
  throw new TypeError(
    `${why} needs wiregrpc's own HTTP/2 client, which this program does not include: ` +
      "import from 'wiregrpc' or 'wiregrpc/sockets' rather than 'wiregrpc/core', " +
      "or call registerWiregrpcTransport() from 'wiregrpc/http2' once before creating the channel",
  );
}
