// src/h2 runs wherever a byte stream does: it imports nothing but itself and src/wire,
// names no Node global, and bundles for a neutral platform (no Node built-ins at hand).
// The exceptions are the runtime adapters, `*-socket.ts` (node-socket.ts: node:net and
// node:tls sockets as a ByteStream): each may use its runtime, and nothing else in
// src/h2 imports them — index.ts included — so the neutral bundle never sees them.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import ts from 'typescript';
import { REPO_ROOT } from '../helpers/peers.js';

const dir = path.join(REPO_ROOT, 'src/h2');
const all = readdirSync(dir).filter((f) => f.endsWith('.ts'));
const adapters = all.filter((f) => f.endsWith('-socket.ts'));
const files = all.filter((f) => !adapters.includes(f));

t.test('the runtime adapters are imported by nothing in src/h2', async (t) => {
  t.ok(adapters.includes('node-socket.ts'));
  for (const file of all) {
    const source = readFileSync(path.join(dir, file), 'utf8');
    for (const { fileName } of ts.preProcessFile(source, true, false).importedFiles)
      t.notOk(fileName.endsWith('-socket.js'), `${file} imports ${fileName}`);
  }
});

t.test('every import of src/h2 stays in src/h2 or src/wire', async (t) => {
  t.ok(files.length >= 10, `${files.length} files`);
  for (const file of files) {
    const source = readFileSync(path.join(dir, file), 'utf8');
    for (const { fileName } of ts.preProcessFile(source, true, false).importedFiles) {
      const ok = fileName.startsWith('./') || fileName.startsWith('../wire/');
      t.ok(ok, `${file} imports ${fileName}`);
    }
  }
});

t.test('no Node global in src/h2 (Buffer, process, require, setImmediate, __dirname)', async (t) => {
  for (const file of files) {
    const code = readFileSync(path.join(dir, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
    t.notMatch(code, /(?<![.\w$])(Buffer|process|require|setImmediate|__dirname|__filename)\b/, file);
  }
});

t.test('src/h2 bundles for a neutral platform', async (t) => {
  const result = buildSync({
    entryPoints: [path.join(dir, 'index.ts')],
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  t.equal(result.errors.length, 0);
  t.ok(result.outputFiles[0]!.text.length > 1000, 'a real bundle');
});
