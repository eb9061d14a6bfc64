// A wiregrpc server for the CLI tests: proto.UserInfo (the README's example),
// wiregrpc.test.Echo (one method per call shape) and, unless asked otherwise,
// server reflection.
import { Code, GrpcError, Metadata, Server, loadProtoSync, type ServerContext } from '../../src/service/index.js';
import { ReflectionService, ServerReflectionV1Alpha, addReflection } from '../../src/service/reflection.js';

export const protos = loadProtoSync(['proto/userinfo.proto', 'test/protos/echo.proto']);

interface EchoRequest {
  text: string;
  count: number;
  payload: Uint8Array;
  delayMs: number;
}

export interface TestServerOptions {
  /** 'v1' (both versions, as addReflection does), 'v1alpha' only, or none. */
  reflection?: 'v1' | 'v1alpha' | 'none';
  tls?: { key: Buffer; cert: Buffer; ca?: Buffer; requestCert?: boolean };
}

export async function startServer(options: TestServerOptions = {}): Promise<{ target: string; server: Server }> {
  const server = new Server();
  server.add(protos.service('proto.UserInfo'), {
    async GetUserInfo({ name }: { name: string }, ctx: ServerContext) {
      ctx.sendHeader(new Metadata({ 'x-user-lookup': name }));
      ctx.setTrailer(new Metadata({ 'x-served-by': 'test' }));
      if (name !== 'foo') throw new GrpcError(Code.UNKNOWN, `unknown user: name = ${name}`);
      return { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] };
    },
  });
  server.add(protos.service('wiregrpc.test.Echo'), {
    // Echoes the text and the request metadata (as JSON: -bin values in base64).
    async Unary(request: EchoRequest, ctx: ServerContext) {
      if (request.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, request.delayMs));
      const md = ctx.metadata.toJSON();
      const custom = Object.fromEntries(Object.entries(md).filter(([key]) => key.startsWith('x-')));
      return { text: `${request.text} ${JSON.stringify(custom)}`, payload: request.payload };
    },
    async *ServerStream(request: EchoRequest) {
      for (let i = 0; i < request.count; i++) yield { text: request.text, index: i };
    },
    async ClientStream(requests: AsyncIterable<EchoRequest>) {
      const texts: string[] = [];
      for await (const request of requests) texts.push(request.text);
      return { text: texts.join('+'), index: texts.length };
    },
    async *Bidi(requests: AsyncIterable<EchoRequest>) {
      let i = 0;
      for await (const request of requests) yield { text: request.text.toUpperCase(), index: i++ };
    },
  });
  if (options.reflection === 'v1alpha') {
    const reflection = new ReflectionService([protos]);
    server.add(ServerReflectionV1Alpha, {
      ServerReflectionInfo: (requests: AsyncIterable<any>) => reflection.serverReflectionInfo(requests),
    });
  } else if (options.reflection !== 'none') {
    addReflection(server, [protos]);
  }
  const address = await server.listen('127.0.0.1:0', options.tls !== undefined ? { tls: options.tls } : undefined);
  if (!('port' in address)) throw new Error('expected a TCP address');
  return { target: `127.0.0.1:${address.port}`, server };
}
