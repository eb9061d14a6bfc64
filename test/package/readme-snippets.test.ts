// README's TypeScript snippets are compiled: each lives verbatim in a test/types/readme-*.ts file, between
// "// ```ts" and "// ```" lines, where `npm run typecheck` compiles it under strict, noUncheckedIndexedAccess and
// noPropertyAccessFromIndexSignature. This test holds README to those files.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);

const files = readdirSync(path.join(ROOT, 'test/types')).filter((f) => /^readme-.*\.ts$/.test(f));

t.ok(files.length >= 2, 'the API section has its snippets under test');
for (const file of files) {
  t.test(file, async (t) => {
    const source = readFileSync(path.join(ROOT, 'test/types', file), 'utf8');
    const match = /^\/\/ ```ts\n([\s\S]*?)^\/\/ ```$/m.exec(source);
    t.ok(match, 'has a // ```ts … // ``` snippet');
    t.ok(blocks.includes(match![1]!), 'README has this snippet, verbatim, as a ```ts block');
  });
}
