/**
 * The fetch handler inside workerd (Cloudflare's runtime; workerd.ts starts it): a Worker bundled from
 * fetch-app.ts — wiregrpc/fetch with the generated userinfo service and the Echo test service — with no
 * compatibility flags at all (no nodejs_compat: no node:* module exists in it), called from Node by the
 * wiregrpc/web client (fetch-runtimes.ts `webCases`). `npm run test:fetch` (builds dist/ first, for the CLI).
 */
import t from 'tap';
import { prepareApp, webCases } from './fetch-runtimes.js';
import { startWorkerd, workerdMissing, workerdVersion } from './workerd.js';

if (!workerdMissing(t)) {
  const app = prepareApp(t);
  const worker = await startWorkerd(t, { entry: app.entryFor('worker') });
  t.comment(`${await workerdVersion()}, no compatibility flags; Worker at ${worker.url}`);
  await webCases(t, worker.url, /^unknown$/);
  t.test('the Worker logged no error', async (t) => {
    t.notMatch(worker.output(), /Uncaught|TypeError|ReferenceError/, worker.output());
  });
}
