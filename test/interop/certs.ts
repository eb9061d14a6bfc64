/**
 * TLS files for the interop programs: a test CA and a server certificate valid
 * for `*.test.google.fr` (the spec's `--server_host_override`), localhost and
 * the loopback addresses. Made once with openssl (test/helpers/certs.ts) into
 * the git-ignored test/.gen/interop-certs and reused by every server and client
 * process, whichever language it is written in.
 */
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCerts } from '../helpers/certs.js';
import { REPO_ROOT } from '../helpers/peers.js';

export const HOST_OVERRIDE = 'foo.test.google.fr';

export interface InteropCertFiles {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** The repository root, whether this runs from test/ (tap) or from a compiled copy. */
export function repoRoot(): string {
  return REPO_ROOT;
}

export function ensureInteropCerts(dir = join(repoRoot(), 'test/.gen/interop-certs')): InteropCertFiles {
  const files = {
    dir,
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
  };
  if (freshEnough(files.keyFile)) return files;
  rmSync(dir, { recursive: true, force: true });
  const certs = makeCerts({ serverNames: ['*.test.google.fr'] });
  try {
    // Written next to the final folder, then renamed into place: concurrent
    // processes never see a half-written set, and the first rename wins.
    const staging = `${dir}.${process.pid}`;
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'ca.pem'), certs.ca);
    writeFileSync(join(staging, 'server.pem'), certs.serverCert);
    writeFileSync(join(staging, 'server.key'), certs.serverKey);
    try {
      renameSync(staging, dir);
    } catch {
      rmSync(staging, { recursive: true, force: true });
    }
  } finally {
    certs.cleanup();
  }
  return files;
}

/** The helper's certificates live two days: reuse a set for one day at most. */
function freshEnough(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < 24 * 3600 * 1000;
  } catch {
    return false;
  }
}
