/**
 * The Worker of workerd-client.test.ts: a real gRPC client inside workerd, over
 * `connect()` from cloudflare:sockets and wiregrpc's own HTTP/2 (h2c).
 *
 *   GET /?target=127.0.0.1:PORT&text=hi
 *     → { "unary": "hi", "stream": ["1", "2", "3"], "fail": { "code": 5, "message": "hi", "why": "hi" } }
 *
 * It imports what a Worker imports, `wiregrpc/sockets` (src/service/sockets.ts).
 * One client per request: workerd does not let I/O objects outlive the request
 * that made them. Built into one module by esbuild in the test (cloudflare:sockets
 * stays external); nothing here or below it loads node:http2 or node:net.
 */
import { connect } from 'cloudflare:sockets';
import { cfConnect, createClient, type GrpcError } from '../../src/service/sockets.js';
import { Echo } from './workerd-echo.js';

interface EchoStub {
  echo(request: { text: string }): Promise<{ text: string }>;
  count(request: { n: number }): AsyncIterable<{ text: string }>;
  fail(request: { text: string }): Promise<{ text: string }>;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const target = url.searchParams.get('target');
    const text = url.searchParams.get('text') ?? '';
    if (target === null) return new Response('missing ?target=host:port', { status: 400 });
    const client = createClient<EchoStub>(Echo, target, { connect: cfConnect(connect) });
    try {
      const unary = (await client.echo({ text })).text;
      const stream: string[] = [];
      for await (const m of client.count({ n: 3 })) stream.push(m.text);
      let fail: unknown;
      try {
        await client.fail({ text });
        fail = 'no error';
      } catch (err) {
        const e = err as GrpcError;
        fail = { code: e.code, message: e.rawMessage, why: e.metadata.get('x-why') };
      }
      return Response.json({ unary, stream, fail });
    } catch (err) {
      return Response.json({ error: err instanceof Error ? err.message : String(err) }, { status: 500 });
    } finally {
      await client.close();
    }
  },
};
