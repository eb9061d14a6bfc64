/**
 * wiregrpc/fetch loads where there is no Node: src/fetch/index.ts bundled by esbuild for a neutral platform
 * imports nothing from outside (no node:*, no package), and the bundle serves a call in a V8 context that has web
 * APIs only — no `process`, no `Buffer`, no `require`. (Under workerd for real: test/runtimes/fetch-workerd.suite.ts.)
 */
import vm from 'node:vm';
import * as esbuild from 'esbuild';
import t from 'tap';
import { ROOT } from '../runtimes/workerd.js';

const entry = `
  import { createFetchHandler, defineService, GrpcError, Code } from './src/fetch/index.ts';
  const Schema = { typeName: 't.M', fields: [{ no: 1, name: 'text', localName: 'text', jsonName: 'text', kind: 'scalar', scalar: 'string' }] };
  const S = defineService('t.S', [{ name: 'Say', shape: 'unary', input: Schema, output: Schema }]);
  const grpc = createFetchHandler().add(S, {
    say(request, ctx) {
      if (request.text === 'fail') throw new GrpcError(Code.NOT_FOUND, 'no ' + ctx.metadata.get('x-who'));
      return { text: 'hi ' + request.text };
    },
  });
  globalThis.serve = (body, headers) =>
    grpc.fetch(new Request('http://w/t.S/Say', { method: 'POST', headers, body })).then(async (r) => ({
      status: r.headers.get('grpc-status'), message: r.headers.get('grpc-message'),
      body: Array.from(new Uint8Array(await r.arrayBuffer())),
    }));
`;

t.test('the bundle imports nothing', async (t) => {
  const built = await esbuild.build({
    stdin: { contents: entry, resolveDir: ROOT, loader: 'ts' },
    outfile: 'fetch-iife.js',
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    metafile: true,
    logLevel: 'silent',
  });
  // The output's own imports (inputs' lists also name imports TypeScript elides, `import { type X }`).
  const imports = Object.values(built.metafile.outputs).flatMap((output) => output.imports);
  t.same(imports, [], 'no import left in the bundle');
  t.notMatch(built.outputFiles[0]!.text, /\brequire\(|\bimport\(/, 'no require() or import() either');
  const inputs = Object.keys(built.metafile.inputs);
  t.notOk(inputs.some((f) => f.includes('src/http2/server-transport') || f.includes('src/service/server.ts')));

  // A context with the web platform's globals, and nothing of Node's.
  const web = {
    Request,
    Response,
    Headers,
    ReadableStream,
    WritableStream,
    TransformStream,
    CompressionStream,
    DecompressionStream,
    TextEncoder,
    TextDecoder,
    URL,
    AbortController,
    AbortSignal,
    setTimeout,
    clearTimeout,
    queueMicrotask,
    console,
  };
  const context = vm.createContext({ ...web });
  vm.runInContext(built.outputFiles[0]!.text, context);
  t.equal(vm.runInContext('typeof process + typeof Buffer + typeof require', context), 'undefinedundefinedundefined');
  const serve = context.serve as (
    body: Uint8Array,
    headers: Record<string, string>,
  ) => Promise<{ status: string | null; message: string | null; body: number[] }>;
  const frame = (text: string) => {
    const payload = new TextEncoder().encode(text);
    return new Uint8Array([0, 0, 0, 0, payload.length + 2, 10, payload.length, ...payload]);
  };
  const ok = await serve(frame('web'), { 'content-type': 'application/grpc-web' });
  t.equal(ok.status, null, 'the status is in the body');
  t.same(ok.body.slice(0, 13), [0, 0, 0, 0, 8, 10, 6, ...new TextEncoder().encode('hi web')]);
  t.match(new TextDecoder().decode(new Uint8Array(ok.body.slice(18))), /^grpc-status: 0\r\n$/);
  const failed = await serve(frame('fail'), { 'content-type': 'application/grpc-web', 'x-who': 'one' });
  t.same([failed.status, failed.message], ['5', 'no one']);
});
