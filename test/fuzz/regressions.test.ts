// Every failure the fuzzer ever found, replayed: test/fuzz/regressions/*.json
// are reproducers saved by `npm run fuzz` (target, seed, case, input, error).
// Each must pass now.
//
//   metadata-20240601-*: Metadata.fromHeaders let an upper-case reserved field
//   name (`TE`, `tE`) through as metadata; toHeaders then wrote it lower-case and
//   it vanished on the way back. Fixed: reserved names are matched case-insensitively.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TARGETS } from './run.js';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'regressions');

for (const file of readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  t.test(file, async (t) => {
    const record = JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as {
      target: string;
      input: unknown;
      error: string;
    };
    const target = TARGETS.find((x) => x.name === record.target);
    t.ok(target, `target ${record.target} exists`);
    await target!.setup?.();
    try {
      await t.resolves(
        Promise.resolve().then(() => target!.execute(record.input)),
        `passes now (was: ${record.error.split('\n')[0]})`,
      );
    } finally {
      await target!.teardown?.();
    }
  });
}
