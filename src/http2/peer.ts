/**
 * Who is on the other end of a server session: its address as gRPC names a
 * peer (`ip:port`, `[v6]:port`, `unix:`) and, over mutual TLS, its certificate.
 * Read from the session's socket when a handler asks, never per call.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** `ip:port` (`[v6]:port`) of the client, or `unix:` for a unix socket. */
export function peerAddress(session: { readonly socket?: Socket } | undefined): string {
  const socket = session?.socket;
  const host = socket?.remoteAddress;
  if (host === undefined) return 'unix:';
  return host.includes(':') ? `[${host}]:${socket!.remotePort}` : `${host}:${socket!.remotePort}`;
}

export type PeerCertificate = ReturnType<TLSSocket['getPeerCertificate']>;

/** The client's TLS certificate (mutual TLS), if it sent one. */
export function peerCertificate(session: { readonly socket?: Socket } | undefined): PeerCertificate | undefined {
  const socket = session?.socket as TLSSocket | undefined;
  if (socket === undefined || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  return cert && Object.keys(cert).length > 0 ? cert : undefined;
}
