// Bun 1.4.5: an http2 server handed a socket whose first bytes were read and put back
// (`socket.unshift`) never sees them while the socket is paused: the client gets
// GOAWAY(PROTOCOL_ERROR, "invalid connection preface"). Node (20) and Deno (2.9) read
// the buffered bytes as soon as the socket is handed over.
//
// This is how src/http2/front.ts tells HTTP/2 from HTTP/1.1 on one cleartext port; the
// workaround there: `if (socket.listenerCount('data') > 0) socket.resume()` after the
// hand-over (resuming unconditionally breaks Node, which reads the handle itself).
//
//   node test/runtimes/repro/bun-h2-unshift.mjs          → unshift: ok, unshift+resume: ok
//   bun test/runtimes/repro/bun-h2-unshift.mjs           → unshift: GOAWAY 1 ..., unshift+resume: ok
//   deno run -A test/runtimes/repro/bun-h2-unshift.mjs   → unshift: ok, unshift+resume: ok
// (The client half always runs in the same runtime; the server half is the point.)
import http2 from 'node:http2';
import net from 'node:net';

async function attempt(resume) {
  const h2 = http2.createServer();
  h2.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  const front = net.createServer((socket) => {
    socket.once('data', (chunk) => {
      socket.pause();
      socket.unshift(chunk); // put the sniffed bytes back
      h2.emit('connection', socket);
      // Node reads the socket's handle (no 'data' listener); Bun listens for 'data'.
      if (resume && socket.listenerCount('data') > 0) socket.resume();
    });
  });
  await new Promise((resolve) => front.listen(0, '127.0.0.1', resolve));
  const { port } = front.address();
  const result = await new Promise((resolve) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const timer = setTimeout(() => resolve('no answer within 3 s'), 3000);
    session.on('goaway', (code, _last, data) => resolve(`GOAWAY ${code} ${data ? String(data) : ''}`));
    session.on('error', (err) => resolve(`session error: ${err.message}`));
    const req = session.request({ ':path': '/' });
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('error', () => {});
    req.on('close', () => resolve(body === 'ok' ? 'ok' : `closed, body ${JSON.stringify(body)}, rst ${req.rstCode}`));
    req.end();
    return () => clearTimeout(timer);
  });
  front.close();
  for (const s of [h2]) s.close?.();
  return result;
}

const runtime = globalThis.Bun
  ? `bun ${globalThis.Bun.version}`
  : globalThis.Deno
    ? `deno ${globalThis.Deno.version.deno}`
    : `node ${process.version}`;
console.log(`${runtime} unshift: ${await attempt(false)}`);
console.log(`${runtime} unshift+resume: ${await attempt(true)}`);
process.exit(0);
