/**
 * Size: the cold-start client program (import, load .proto, one call) bundled by esbuild for Node (minified),
 * then gzipped (level 9). Each bundle is also run once against a live server, so a size is only reported for a
 * bundle that works. Sizes are deterministic: one build per implementation.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { peerScript, TMP_DIR, USERINFO_PROTO } from '../lib/paths.js';
import { probeUnary } from '../lib/probe.js';
import { lastLines, runProgram } from '../lib/proc.js';
import type { Metric } from '../lib/results.js';
import { startServer } from '../lib/servers.js';
import { alternate, type Suite } from '../lib/suite.js';

/** A reference, not a contender: protobufjs on its own, parsing userinfo.proto (bench/peers/protobufjs-parse.ts). */
const PROTOBUFJS_ALONE = 'protobufjs alone';

const ENTRIES: Record<string, string> = {
  wiregrpc: 'cold-wiregrpc',
  'grpc-js': 'cold-grpcjs',
  raw: 'cold-raw',
  'wiregrpc-gen': 'cold-wiregrpc-gen',
  [PROTOBUFJS_ALONE]: 'protobufjs-parse',
};

const METRICS = {
  gz: { name: 'min+gzip', unit: 'KiB', better: 'lower' },
  min: { name: 'minified', unit: 'KiB', better: 'lower' },
} satisfies Record<string, Metric>;

/** Lets bundled CommonJS code (grpc-js, protobufjs) require Node's built-ins from an ES module bundle. */
const BANNER = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

export interface Bundle {
  min: number;
  gz: number;
  /** Minified bytes contributed per package (node_modules/NAME) or per own source file. */
  parts: [string, number][];
}

function partOf(file: string): string {
  if (!file.startsWith('node_modules/')) return file.replace(/^dist\//, '').replace(/\.js$/, '.ts');
  const p = file.split('/');
  return p.slice(0, p[1]!.startsWith('@') ? 3 : 2).join('/');
}

export async function bundle(entry: string, outfile: string): Promise<Bundle> {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    outfile,
    banner: { js: BANNER },
    logLevel: 'silent',
    legalComments: 'none',
    metafile: true,
  });
  const code = result.outputFiles[0]!.contents;
  writeFileSync(outfile, code);
  const parts = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [file, input] of Object.entries(output.inputs)) {
      parts.set(partOf(file), (parts.get(partOf(file)) ?? 0) + input.bytesInOutput);
    }
  }
  return { min: code.length, gz: gzipSync(code, { level: 9 }).length, parts: [...parts].sort((a, b) => b[1] - a[1]) };
}

export const size: Suite = {
  name: 'size',
  title: 'Client bundle size (esbuild --bundle --minify --platform=node, gzip -9)',
  impls: ['wiregrpc', 'grpc-js', 'raw', 'wiregrpc-gen', PROTOBUFJS_ALONE],
  async run(ctx) {
    const suite = this.name;
    const info = ctx.results.suite(suite, this.title, this.impls);
    info.references = [PROTOBUFJS_ALONE];
    info.notes.push(
      'entry: the cold-start program (import, load userinfo.proto at run time, one call); ' +
        'grpc-js includes @grpc/proto-loader; "raw" is node:http2 + protobufjs; "wiregrpc-gen" is the same call with its ' +
        'schemas written out (defineService, no .proto at run time, no protobufjs); each bundle was run once and answered',
    );
    info.notes.push(
      `"${PROTOBUFJS_ALONE}" is a reference, not a contender: a program that only parses userinfo.proto ` +
        'with protobufjs (which carries `long`); every bundle that loads .proto files at run time with protobufjs is at ' +
        'least this big',
    );
    mkdirSync(TMP_DIR, { recursive: true });
    const server = await startServer(ctx, 'raw', probeUnary);
    try {
      await alternate(ctx, {
        suite,
        cases: ['client bundle'],
        impls: this.impls,
        caseName: (c) => c,
        metrics: METRICS,
        rounds: 1,
        async measure(_c, impl) {
          const outfile = join(TMP_DIR, `bundle-${impl}.mjs`);
          const s = await bundle(peerScript(ENTRIES[impl]!), outfile);
          if (impl === 'wiregrpc' || impl === 'wiregrpc-gen') {
            const top = s.parts
              .slice(0, 6)
              .map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(1)}`)
              .join(', ');
            info.notes.push(`${impl} bundle, largest parts (minified KiB, before gzip): ${top}`);
          }
          const run = await runProgram(process.execPath, [outfile, USERINFO_PROTO, server.target], {
            timeoutMs: 30_000,
          });
          const answered = impl === PROTOBUFJS_ALONE ? run.result?.service === 'UserInfo' : run.result?.name === 'foo';
          if (run.code !== 0 || !answered) {
            throw new Error(`the bundle does not run: ${lastLines(run.stderr || run.stdout)}`);
          }
          return { gz: s.gz / 1024, min: s.min / 1024 };
        },
      });
    } finally {
      await server.peer.stop();
    }
  },
};
