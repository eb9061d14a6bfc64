/**
 * The package.json that goes into the tarball: this repository's, without the `prepare` script.
 *
 * `prepare` (npm run build) is for those who install from git or run `npm install` in a clone: they need dist/
 * built. A tarball ships dist/ already built, and npm lists every install-time script of a package it installs
 * ("1 package has install scripts not yet covered by allowScripts: wiregrpc (prepare: npm run build)"), a
 * warning about a script that would never run usefully. So `npm pack` / `npm publish` run, through the
 * package's own lifecycle:
 *
 *   prepack:  npm run build && node scripts/pack-manifest.mjs strip     (package.json minus prepare; original kept)
 *   postpack: node scripts/pack-manifest.mjs restore                     (the original, byte for byte)
 *
 * If a pack fails between the two, `node scripts/pack-manifest.mjs restore` puts package.json back (git shows it).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MANIFEST = path.join(ROOT, 'package.json');
const SAVED = path.join(ROOT, 'dist', 'package.json.unpacked');

/** The manifest a tarball carries: `manifest` without its `prepare` script. Pure, for tests. */
export function packedManifest(manifest) {
  const { prepare: _prepare, ...scripts } = manifest.scripts ?? {};
  return { ...manifest, scripts };
}

function strip() {
  if (existsSync(SAVED)) throw new Error(`pack-manifest: ${SAVED} exists: restore first (a pack failed halfway?)`);
  const text = readFileSync(MANIFEST, 'utf8');
  writeFileSync(SAVED, text);
  writeFileSync(MANIFEST, `${JSON.stringify(packedManifest(JSON.parse(text)), null, 2)}\n`);
}

function restore() {
  if (existsSync(SAVED)) renameSync(SAVED, MANIFEST);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  if (command === 'strip') strip();
  else if (command === 'restore') restore();
  else {
    process.stderr.write('usage: node scripts/pack-manifest.mjs strip|restore\n');
    process.exitCode = 2;
  }
}
