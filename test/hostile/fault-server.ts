/**
 * The Echo server as a separate process, for the fault tests (killed with
 * SIGKILL, restarted on the same port) and the soak (measured from outside).
 *
 *   node dist/test/hostile/fault-server.js [--port N]
 *
 * Prints one JSON line `{"port": N}` once listening. Over the IPC channel (when
 * forked) it answers:
 *   "shutdown" → graceful shutdown, then {"closed": true} and exit
 *   "stats"    → {"stats": ..., "memory": process.memoryUsage()}
 *   "gc"       → (run with --expose-gc) collects garbage, then {"memory": ...}
 */
import { Server } from '../../src/service/server.js';
import { Echo, echoImpl, newStats } from './echo-service.js';

const portArg = process.argv.indexOf('--port');
const port = portArg >= 0 ? Number(process.argv[portArg + 1]) : 0;
const stats = newStats();
// The stats keep one entry per aborted call and per request stream: over a long
// soak that alone is megabytes of heap. Keep only the latest few.
setInterval(() => {
  for (const list of [stats.aborted, stats.requestEnds]) if (list.length > 1000) list.splice(0, list.length - 1000);
}, 1000).unref();
const server = new Server();
server.add(Echo, echoImpl(stats));
const address = await server.listen(`127.0.0.1:${port}`);
if (!('port' in address)) throw new Error('expected a TCP address');
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return;
  for (let i = 0; i < 4; i++) gc();
}

process.on('message', (message) => {
  switch (message) {
    case 'shutdown':
      void server.shutdown().then(() => {
        process.send?.({ closed: true });
        process.disconnect?.();
      });
      break;
    case 'stats':
      process.send?.({
        stats: { ...stats, aborted: stats.aborted.length, requestEnds: stats.requestEnds.length },
        memory: process.memoryUsage(),
      });
      break;
    case 'gc':
      collect();
      setTimeout(() => {
        collect();
        process.send?.({ memory: process.memoryUsage() });
      }, 50);
      break;
  }
});
process.on('disconnect', () => {
  server.forceShutdown();
});
