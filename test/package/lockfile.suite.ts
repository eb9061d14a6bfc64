// CI step (not in `npm test`: it asks the npm registry): would `npm install` in a fresh clone change
// package-lock.json? npm recomputes the lockfile from package.json and the registry in a scratch copy;
// the result must be the committed file. Run: `npm run test:lockfile`.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

t.test('npm install leaves package-lock.json as committed', async (t) => {
  const dir = t.testdir({});
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(path.join(ROOT, file), path.join(dir, file));
  const r = spawnSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 180_000,
  });
  t.equal(r.status, 0, `npm install: ${r.stderr}`);
  const before = readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8');
  const after = readFileSync(path.join(dir, 'package-lock.json'), 'utf8');
  t.equal(after, before, 'unchanged (if not: run `npm install` and commit package-lock.json)');
});
