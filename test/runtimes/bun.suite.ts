/**
 * wiregrpc under Bun (the npm package `bun`, node_modules/.bin/bun): the userinfo
 * example and every interop case, Bun's client against a Node server and Bun's
 * server against a Node client. `npm run test:bun` builds dist/ first.
 *
 * Bun's node:http2 server ignores bytes put back on a socket (`unshift`) while the
 * socket is paused; src/http2/front.ts resumes it (repro/bun-h2-unshift.mjs).
 */
import t from 'tap';
import { BUN, runtimeSuite } from './runtime-helpers.js';

await runtimeSuite(t, BUN);
