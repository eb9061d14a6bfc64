// `npm run test:quick`: the unit suites — codec, framing, status, metadata, the .proto loader, CLI arguments: no
// sockets, no peers, no child processes — in ONE process. tap runs each *.test.ts file in a process of its own, and
// starting one (node, tap, the TypeScript loader) costs ~1 s of CPU: for these ~40 small files that was most of the
// run. Here they share one. The files are found, not listed: every test/wire file, and the unit files named below.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const UNIT = [
  'test/cli/args.test.ts',
  'test/service/load.test.ts',
  'test/service/well-known.test.ts',
  'test/service/dynamic.test.ts',
  'test/service/core-imports.test.ts',
  'test/service/descriptor-errors.test.ts',
  'test/service/from-descriptor.test.ts',
  'test/http2/target.test.ts',
];

function testsUnder(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? testsUnder(path.join(dir, entry.name))
      : entry.name.endsWith('.test.ts')
        ? [path.join(dir, entry.name)]
        : [],
  );
}

for (const file of [...testsUnder('test/wire').sort(), ...UNIT]) {
  await import(pathToFileURL(path.join(ROOT, file)).href);
}
