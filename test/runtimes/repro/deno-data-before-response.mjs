// Deno 2.9.6: a node:http2 client stream can emit 'data' before 'response' when the
// server's HEADERS and first DATA frame arrive together. Node (20) and Bun (1.4.5) always
// emit 'response' first. A gRPC client needs the headers first (grpc-encoding says how to
// decompress the message); src/http2/client-stream.ts holds early data until they come.
//
//   node test/runtimes/repro/deno-data-before-response.mjs          → response, data, data, trailers
//   bun test/runtimes/repro/deno-data-before-response.mjs           → response, data, data, trailers
//   deno run -A test/runtimes/repro/deno-data-before-response.mjs   → data, response, data, trailers
// (Server and client both run in the runtime under test; with a Node server the Deno client
// shows the same order: the client half is the point.)
import http2 from 'node:http2';

const server = http2.createServer();
server.on('stream', (stream) => {
  stream.respond(
    { ':status': 200, 'content-type': 'application/grpc', 'grpc-encoding': 'gzip' },
    { waitForTrailers: true },
  );
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.write(Buffer.from([0, 0, 0, 0, 1, 42])); // goes out with the HEADERS frame
  setTimeout(() => stream.end(Buffer.from([0, 0, 0, 0, 1, 43])), 20);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

const events = [];
await new Promise((resolve) => {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const req = session.request({
    ':method': 'POST',
    ':path': '/x.Y/Z',
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  req.on('response', () => events.push('response'));
  req.on('data', () => events.push('data'));
  req.on('trailers', () => events.push('trailers'));
  req.on('close', () => {
    session.close();
    resolve();
  });
  req.end();
  setTimeout(resolve, 3000);
});
server.close();

const runtime = globalThis.Bun
  ? `bun ${globalThis.Bun.version}`
  : globalThis.Deno
    ? `deno ${globalThis.Deno.version.deno}`
    : `node ${process.version}`;
console.log(`${runtime}: ${events.join(', ')}${events[0] === 'response' ? '' : '  ← data before response'}`);
process.exit(0);
