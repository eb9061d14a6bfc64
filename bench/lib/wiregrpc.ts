/**
 * Loads the compiled wiregrpc service layer (dist/src/service/index.js). Imported by path at run time so that the
 * bench builds and runs its other rows while the library is still being written; its rows then fail with a clear
 * "not available" error instead of breaking the build.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { WIREGRPC_SERVICE } from './paths.js';

export async function loadWiregrpc(): Promise<any> {
  if (!existsSync(WIREGRPC_SERVICE)) throw new Error(`wiregrpc not built: ${WIREGRPC_SERVICE} missing`);
  const lib = await import(pathToFileURL(WIREGRPC_SERVICE).href);
  for (const name of ['Server', 'createClient', 'loadProtoSync']) {
    if (lib[name] === undefined) throw new Error(`wiregrpc: src/service/index.ts does not export ${name} yet`);
  }
  return lib;
}
