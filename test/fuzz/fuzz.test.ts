// A short fuzz run in every `npm test` (about 15 s in all; the server target
// gets the largest share): the same targets as `npm run fuzz`, a fresh seed
// each run (printed, so a failure can be replayed with --seed).
import t from 'tap';
import { runFuzz, TARGETS } from './run.js';

t.test('fuzz: every target, a short budget, no failure', async (t) => {
  const seed = Date.now() >>> 0;
  t.comment(`seed ${seed}`);
  const { results, failures } = await runFuzz({ seconds: 15, seed });
  t.same(
    results.map((r) => r.name),
    TARGETS.map((x) => x.name),
    'every target ran',
  );
  for (const r of results) {
    t.ok(r.cases > 0, `${r.name}: ${r.cases} cases in ${r.seconds.toFixed(1)} s`);
    t.equal(r.failures, 0, `${r.name}: no failure`);
  }
  for (const f of failures)
    t.fail(
      `${f.target} (seed ${f.seed}, case ${f.case}): ${f.error.split('\n')[0]}\ninput: ${JSON.stringify(f.input).slice(0, 2000)}`,
    );
});
