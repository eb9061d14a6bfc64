/**
 * A raw node:http2 server for client tests: each test says exactly what goes
 * on the wire (trailers-only, HTTP 503, RST_STREAM codes, GOAWAY, missing
 * trailers), which no real gRPC server would do on purpose.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import './own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { Channel, type ChannelOptions } from '../../src/http2/channel.js';
import { ClientStream, type ClientStreamOptions } from '../../src/http2/client-stream.js';
import type { GrpcError } from '../../src/wire/grpc/error.js';
import { encodeFrame } from '../../src/wire/grpc/frame.js';
import type { Metadata } from '../../src/wire/grpc/metadata.js';

export type Handler = (
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  body: Promise<Buffer>,
) => void;

export interface FakeServer {
  server: http2.Http2Server;
  port: number;
  target: string;
  /** Replace the handler for the next streams. */
  handle(handler: Handler): void;
  sessions: Set<http2.ServerHttp2Session>;
  close(): Promise<void>;
}

/** Reads a stream's whole request body. */
function readBody(stream: http2.ServerHttp2Stream): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('close', () => resolve(Buffer.concat(chunks)));
    stream.on('error', () => {});
  });
}

export async function fakeServer(handler: Handler, options: { host?: string } = {}): Promise<FakeServer> {
  let current = handler;
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('error', () => {});
    s.on('close', () => sessions.delete(s));
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    current(stream, headers, readBody(stream));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    target: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    sessions,
    handle(h) {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A gRPC frame as a Buffer. */
export function frame(payload: Uint8Array | string, compressed = false): Buffer {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.from(encodeFrame(bytes, compressed));
}

/** Answers with 200 + gRPC content-type, the frames, then these trailers. */
export function respond(
  stream: http2.ServerHttp2Stream,
  frames: Buffer[],
  trailers: http2.OutgoingHttpHeaders,
  headers: http2.OutgoingHttpHeaders = {},
): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...headers }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers(trailers));
  for (const f of frames) stream.write(f);
  stream.end();
}

export interface Outcome {
  headers: Metadata | undefined;
  messages: Buffer[];
  error: GrpcError | undefined;
  trailers: Metadata;
}

/** Runs one call on the transport: sends `messages`, ends, collects everything. */
export function transportCall(
  channel: Channel,
  path: string,
  messages: Uint8Array[],
  options: ClientStreamOptions = {},
): { stream: ClientStream; done: Promise<Outcome> } {
  let stream!: ClientStream;
  const done = new Promise<Outcome>((resolve) => {
    const out: Outcome = {
      headers: undefined,
      messages: [],
      error: undefined,
      trailers: undefined as unknown as Metadata,
    };
    stream = new ClientStream(
      channel,
      path,
      {
        onHeaders: (md) => (out.headers = md),
        onMessage: (data) => out.messages.push(Buffer.from(data)),
        onStatus: (error, trailers) => {
          out.error = error;
          out.trailers = trailers;
          resolve(out);
        },
      },
      options,
    );
  });
  stream.start();
  for (const m of messages) void stream.send(m); // flow control is not what these tests are about
  stream.end();
  return { stream, done };
}

export function channelFor(server: FakeServer, options: ChannelOptions = {}): Channel {
  return new Channel(server.target, options);
}

/** A fake server and a Channel to it, both closed when the test ends. */
export async function fakeChannel(
  t: { teardown(fn: () => unknown): void },
  handler: Handler,
  options: ChannelOptions = {},
): Promise<{ server: FakeServer; channel: Channel }> {
  const server = await fakeServer(handler);
  const channel = new Channel(server.target, options);
  t.teardown(async () => {
    await channel.close();
    await server.close();
  });
  return { server, channel };
}
