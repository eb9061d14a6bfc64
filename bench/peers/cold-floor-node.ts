/**
 * Cold start floor (a reference, not a contender): an ES module that loads nothing but the clock every cold-start
 * program reads, and exits: what Node itself costs before any library. Usage: node cold-floor-node.js (args ignored)
 */
import { performance } from 'node:perf_hooks';

process.stdout.write(`RESULT ${JSON.stringify({ ms: performance.now(), loaded: true })}\n`);
process.exit(0);
