/**
 * A Worker that opens a TCP connection with `connect()` (cloudflare:sockets) to `env.TARGET` (host:port), writes
 * the request's body and answers with what the server sent back until it closed: the workerd harness's test of the
 * outbound network option for sockets (workerd-harness.test.ts), what a Worker making gRPC calls over h2c needs.
 */
import { connect } from 'cloudflare:sockets';

export default {
  async fetch(request: Request, env: { TARGET: string }): Promise<Response> {
    const [hostname, port] = env.TARGET.split(':');
    try {
      const socket = connect({ hostname: hostname!, port: Number(port) });
      const writer = socket.writable.getWriter();
      await writer.write(new Uint8Array(await request.arrayBuffer()));
      await writer.close();
      return new Response(socket.readable);
    } catch (err) {
      return new Response(`connect failed: ${String(err)}`, { status: 502 });
    }
  },
};
