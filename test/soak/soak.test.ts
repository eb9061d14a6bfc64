// LONG TEST (about 75 s): the soak for 60 seconds, as CI runs it — a mixed load
// of all four call shapes with cancellations and deadlines from several clients
// (Channels here and child processes) against one server process; no unexpected
// error, every channel and the server close cleanly, and heap and RSS after GC
// stay within a few percent of their warm-up level (limits in run.ts).
// Runs compiled code: `npm run build` first (npm test does).
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const RUN = path.resolve('dist/test/soak/run.js');
const SECONDS = 60;

t.setTimeout((SECONDS + 120) * 1000); // beyond .taprc's 240 s default only if SECONDS grows

t.test(`soak: ${SECONDS} s of mixed load, no errors, no leak`, async (t) => {
  t.ok(existsSync(RUN), `${RUN} exists (npm run build)`);
  const child = spawn(process.execPath, [RUN, '--seconds', String(SECONDS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  for (const line of out.split('\n')) if (line && !line.startsWith('SOAK_RESULT')) t.comment(line);
  const line = out.split('\n').find((l) => l.startsWith('SOAK_RESULT '));
  t.ok(line, 'the soak printed its result');
  const r = JSON.parse(line!.slice('SOAK_RESULT '.length)) as {
    calls: number;
    ok: number;
    unexpected: number;
    closedCleanly: boolean;
    byShape: Record<string, number>;
    server: { heapGrowth: number; rssGrowth: number };
    client: { heapGrowth: number };
    pass: boolean;
  };
  t.ok(r.calls > 1000, `${r.calls} calls`);
  t.same(Object.keys(r.byShape).sort(), ['bidi', 'clientStream', 'serverStream', 'unary'], 'all four call shapes');
  t.equal(r.unexpected, 0, 'no unexpected error');
  t.ok(r.closedCleanly, 'channels, server and load processes closed cleanly');
  t.ok(
    r.pass,
    `within the memory limits (server heap ${(r.server.heapGrowth * 100).toFixed(1)} %, RSS ${(r.server.rssGrowth * 100).toFixed(1)} %, client heap ${(r.client.heapGrowth * 100).toFixed(1)} %)`,
  );
  t.equal(code, 0, 'exit status 0');
});
