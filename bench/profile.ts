/**
 * `node dist/bench/profile.js FILE.cpuprofile [TOP]`: where the time goes in a profile written by
 * `npm run bench -- --profile` (bench/.tmp/profiles/) or any `node --cpu-prof` run.
 */
import { formatSummary, summarise } from './lib/profile.js';

const [file, top] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node dist/bench/profile.js FILE.cpuprofile [TOP]\n');
  process.exit(2);
}
process.stdout.write(`${formatSummary(summarise(file), Number(top ?? 25))}\n`);
