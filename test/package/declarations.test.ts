// The .d.ts files a user's compiler reads are the public API: `npm run build` writes them with stripInternal, so
// what is marked @internal is not there. This compiles a program that imports every entry point against those
// declarations with skipLibCheck off (what a strict user may have), so a declaration left referring to something
// stripped, or a class that no longer matches an interface it claims, fails here and not in a user's build.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/peers.js';

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string }>;
};

t.test('every entry point type-checks from its .d.ts with skipLibCheck off', async (t) => {
  const dir = path.join(REPO_ROOT, 'test/.gen/declarations');
  mkdirSync(dir, { recursive: true });
  const typesFiles = Object.values(pkg.exports).flatMap((target) => (typeof target === 'string' ? [] : [target.types]));
  t.ok(typesFiles.length >= 5, `${typesFiles.length} entry points`);
  for (const file of typesFiles) t.ok(existsSync(path.join(REPO_ROOT, file)), `${file} exists (npm run build)`);
  const imports = typesFiles.map((file, i) => {
    const js = path.relative(dir, path.join(REPO_ROOT, file)).replace(/\.d\.ts$/, '.js');
    return `import * as entry${i} from '${js.startsWith('.') ? js : `./${js}`}';`;
  });
  writeFileSync(
    path.join(dir, 'consumer.ts'),
    `${imports.join('\n')}\nexport const all = [${typesFiles.map((_, i) => `entry${i}`).join(', ')}];\n`,
  );
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        types: ['node'],
        typeRoots: [path.join(REPO_ROOT, 'node_modules/@types')],
      },
      files: ['consumer.ts'],
    }),
  );
  const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, 'tsc accepts the declarations');
  t.equal(r.stdout.trim(), '', 'no errors');
});
