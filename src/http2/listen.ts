/**
 * Where a server listens:
 *
 *     50051                 every interface, port 50051
 *     '127.0.0.1:0'         one address; port 0 lets the OS choose
 *     '[::1]:50051'         IPv6 literals in brackets; '[::]:50051' = every interface, dual stack
 *     ':50051'              every interface
 *     'unix:/run/app.sock'  a unix domain socket ('unix:///abs/path' too)
 *     { host, port } or { path }
 */
import { lstatSync, unlinkSync } from 'node:fs';
import type { Server as NetServer } from 'node:net';
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';

export type ListenTarget = string | number | { host?: string; port?: number; path?: string };

/** Where a TCP listener is bound (`port` the real one when 0 was asked). */
export interface TcpAddress {
  host: string;
  port: number;
}
/** Where a unix-socket listener is bound. */
export interface UnixAddress {
  path: string;
}
export type ListenAddress = TcpAddress | UnixAddress;

/**
 * The address `listen(target)` resolves with, as precisely as the target's
 * type tells: a port number, `{ host, port }` or a `'host:port'` literal give
 * a TcpAddress (so `(await server.listen(0)).port` is a number), `{ path }` or
 * a `'unix:…'` literal a UnixAddress, and a string only known at run time
 * either.
 */
export type AddressOf<T extends ListenTarget> = T extends number
  ? TcpAddress
  : T extends string
    ? T extends `unix:${string}`
      ? UnixAddress
      : string extends T
        ? ListenAddress
        : TcpAddress
    : T extends { path: string }
      ? UnixAddress
      : T extends { host?: string; port?: number; path?: undefined }
        ? TcpAddress
        : ListenAddress;

/** A bind request node:net understands: `host` undefined = every interface. */
export type BindTarget = { host: string | undefined; port: number } | { path: string };

function invalid(target: ListenTarget, why: string): GrpcError {
  return new GrpcError(Code.INVALID_ARGUMENT, `cannot listen on ${describeTarget(target)}: ${why}`);
}

/** A target as a person writes it: `[::]:50052`, `127.0.0.1:0`, `unix:/run/app.sock` (never JSON). */
export function describeTarget(target: ListenTarget): string {
  if (typeof target === 'number') return `[::]:${target}`;
  if (typeof target === 'string') return JSON.stringify(target);
  if (target.path !== undefined) return `unix:${target.path}`;
  return formatHostPort(target.host || '::', target.port ?? 0);
}

/** `host:port`, IPv6 in brackets: `[::1]:50051`. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function parsePort(text: string, target: ListenTarget): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw invalid(target, `bad port ${JSON.stringify(text)}`);
  return Number(text);
}

/** Throws GrpcError(INVALID_ARGUMENT) saying what is wrong. */
export function parseListenTarget(target: ListenTarget): BindTarget {
  if (typeof target === 'number') return { host: undefined, port: parsePort(String(target), target) };
  if (typeof target === 'object') {
    if (target.path !== undefined) return { path: target.path };
    return { host: target.host || undefined, port: target.port ?? 0 };
  }
  const text = target.trim();
  if (text.startsWith('unix:')) {
    let path = text.slice(5);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw invalid(target, 'no socket path');
    return { path };
  }
  if (/^\d+$/.test(text)) return { host: undefined, port: parsePort(text, target) };
  let host: string;
  let port: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') throw invalid(target, 'expected "[v6-address]:port"');
    host = text.slice(1, close);
    port = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) throw invalid(target, 'expected "host:port"');
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
    if (host.includes(':')) throw invalid(target, 'put an IPv6 address in brackets: "[::1]:50051"');
  }
  return { host: host === '' ? undefined : host, port: parsePort(port, target) };
}

/** A parsed target as a person writes it: `[::]:50052`, `127.0.0.1:0`, `unix:/run/app.sock`. */
export function describeBindTarget(target: BindTarget): string {
  return 'path' in target ? `unix:${target.path}` : formatHostPort(target.host ?? '::', target.port);
}

/** Binds `server`; resolves with the address it got (the real port when 0 was asked). */
export function bind(server: NetServer, target: BindTarget): Promise<ListenAddress> {
  if ('path' in target) removeStaleSocket(target.path);
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string')
        resolve({ path: 'path' in target ? target.path : String(address) });
      else resolve({ host: address.address, port: address.port });
    };
    if ('path' in target) server.listen(target.path, onListening);
    else server.listen(target.port, target.host, onListening);
  });
}

/** A socket file left by a process that died: binding would fail with EADDRINUSE. Other files are left alone. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // No such file: nothing to do.
  }
}
