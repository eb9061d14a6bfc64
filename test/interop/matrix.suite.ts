/**
 * The interop matrix: every client (wiregrpc, grpc-js, Python grpcio, grpc-go)
 * against every server (the same four), every case of the spec, over plaintext
 * HTTP/2 and over TLS (server certificate for *.test.google.fr, test CA).
 * Each client process runs once per server with the list of cases and reports
 * one JSON line per case. The table is printed and written to
 * test/interop/last-matrix.md.
 *
 *   npm run test:interop          (builds, then runs this and nginx.suite.ts)
 *
 * A peer library that cannot do a case is listed in peers/roster.ts with the
 * reason; the table shows it. wiregrpc has no gaps, as client or server.
 * Under CI=true a missing toolchain (Python grpcio, Go) is a failure.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goToolchain, peerTest, pythonToolchain, runPeer, spawnPeer } from '../helpers/peers.js';
import { ensureInteropCerts, repoRoot } from './certs.js';
import { CASES, type CaseName, type CaseReport } from './harness.js';
import { CLIENT_GAPS, PEER_NAMES, SERVER_GAPS, makeRoster, type PeerName } from './peers/roster.js';

type Cell =
  | { kind: 'pass'; note?: string }
  | { kind: 'server-gap' | 'client-gap'; reason: string }
  | { kind: 'fail'; reason: string };

const SHORT: Record<PeerName, string> = { wiregrpc: 'W', 'grpc-js': 'J', python: 'P', go: 'G' };
const started = Date.now();
/** wiregrpc's servers on its own HTTP/2 (INTEROP_SERVER_TRANSPORT or WIREGRPC_TRANSPORT = wiregrpc): their own file. */
const OWN_H2_SERVER = (process.env.INTEROP_SERVER_TRANSPORT || process.env.WIREGRPC_TRANSPORT) === 'wiregrpc';
const MATRIX_FILE = OWN_H2_SERVER ? 'last-matrix-own-h2-server.md' : 'last-matrix.md';
// A cold Go build of the peers takes a while; the matrix itself runs in well under a minute.
t.setTimeout(600_000);

peerTest(
  t,
  'interop matrix: 4 clients × 4 servers × 18 cases, plaintext and TLS',
  [pythonToolchain(), goToolchain()],
  async (t) => {
    const certs = ensureInteropCerts();
    const roster = await makeRoster(certs);
    const results = new Map<string, Map<CaseName, Cell>>(); // "tls client→server" → case → cell

    for (const tls of [false, true]) {
      for (const serverPeer of PEER_NAMES) {
        await t.test(`${tls ? 'TLS' : 'plaintext'}: ${serverPeer} server`, async (t) => {
          const program = roster.server(serverPeer, tls);
          const server = await spawnPeer(t, program.cmd, program.args, { timeoutMs: 30_000 });
          const gaps = SERVER_GAPS[serverPeer];
          const cases = CASES.filter((c) => gaps[c] === undefined);
          for (const clientPeer of PEER_NAMES) {
            const key = `${tls ? 'tls' : 'h2c'} ${clientPeer}→${serverPeer}`;
            const cells = new Map<CaseName, Cell>();
            results.set(key, cells);
            for (const c of CASES) if (gaps[c] !== undefined) cells.set(c, { kind: 'server-gap', reason: gaps[c]! });
            const client = roster.client(clientPeer, server.port, tls, cases);
            const t0 = Date.now();
            const run = await runPeer(client.cmd, client.args, { timeoutMs: 120_000 });
            t.comment(`${key}: exit ${run.code ?? run.signal} in ${Date.now() - t0} ms`);
            const reports = parseReports(run.stdout);
            for (const c of cases) {
              const report = reports.get(c);
              let cell: Cell;
              if (report === undefined)
                cell = {
                  kind: 'fail',
                  reason: `no report (exit ${run.code ?? run.signal}): ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`,
                };
              else if (report.result === 'pass') cell = { kind: 'pass', note: report.note };
              else if (report.result === 'skip' && CLIENT_GAPS[clientPeer].includes(c))
                cell = { kind: 'client-gap', reason: report.reason ?? '' };
              else
                cell = {
                  kind: 'fail',
                  reason:
                    report.result === 'skip'
                      ? `skipped without being a declared gap: ${report.reason}`
                      : (report.reason ?? ''),
                };
              cells.set(c, cell);
              if (cell.kind === 'fail') t.fail(`${key} ${c}: ${cell.reason}`);
            }
            const failed = [...cells.values()].filter((cell) => cell.kind === 'fail').length;
            t.equal(
              failed,
              0,
              `${clientPeer} client → ${serverPeer} server: ${cases.length} cases run, ${failed} failed`,
            );
            // Exit status agrees with the reports: non-zero exactly when a case failed.
            t.equal(
              run.code === 0,
              [...reports.values()].every((r) => r.result !== 'fail'),
              `${clientPeer} client exit status ${run.code} matches its reports`,
            );
          }
        });
      }
    }

    const table = render(results);
    // As TAP comments: raw lines on stdout would be read as (broken) TAP.
    for (const line of table.split('\n')) t.comment(line);
    writeFileSync(join(repoRoot(), 'test/interop', MATRIX_FILE), table);
  },
);

function parseReports(stdout: string): Map<string, CaseReport> {
  const out = new Map<string, CaseReport>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const report = JSON.parse(line) as CaseReport;
      if (typeof report.case === 'string') out.set(report.case, report);
    } catch {
      // Not a report line.
    }
  }
  return out;
}

/** Markdown: one table per transport, rows = cases, columns = client→server; footnotes give every reason. */
function render(results: Map<string, Map<CaseName, Cell>>): string {
  const notes: string[] = [];
  const ref = (text: string) => {
    let i = notes.indexOf(text);
    if (i < 0) i = notes.push(text) - 1;
    return i + 1;
  };
  const lines: string[] = [
    '# wiregrpc interop matrix (last run)',
    '',
    `Measured ${new Date().toISOString()} in ${Math.round((Date.now() - started) / 1000)} s by \`npm run test:interop\` (test/interop/matrix.suite.ts).`,
    ...(OWN_H2_SERVER ? ["wiregrpc's servers (column …→W) on wiregrpc's own HTTP/2 (src/h2).", ''] : []),
    "Peers: W = wiregrpc, J = @grpc/grpc-js, P = Python grpcio, G = grpc-go 1.33. Column X→Y: X's client against Y's server.",
    'ok = passed; ok⁽ⁿ⁾ = passed, note n says what the client could not check; gap⁽ⁿ⁾ = the peer library cannot do it (reason n); FAIL⁽ⁿ⁾ = failed.',
    '',
  ];
  for (const transport of ['h2c', 'tls']) {
    const keys = [...results.keys()].filter((k) => k.startsWith(transport));
    if (keys.length === 0) continue;
    lines.push(
      `## ${transport === 'h2c' ? 'Plaintext (h2c)' : 'TLS (ALPN h2, server_host_override foo.test.google.fr, test CA)'}`,
      '',
    );
    const label = (k: string) =>
      k
        .slice(4)
        .split('→')
        .map((p) => SHORT[p as PeerName])
        .join('→');
    lines.push(`| case | ${keys.map(label).join(' | ')} |`);
    lines.push(`|---|${keys.map(() => ':-:').join('|')}|`);
    for (const c of CASES) {
      const cells = keys.map((k) => {
        const cell = results.get(k)!.get(c);
        if (cell === undefined) return '–';
        switch (cell.kind) {
          case 'pass':
            return cell.note ? `ok⁽${ref(cell.note)}⁾` : 'ok';
          case 'server-gap':
          case 'client-gap':
            return `gap⁽${ref(cell.reason)}⁾`;
          case 'fail':
            return `**FAIL**⁽${ref(cell.reason)}⁾`;
        }
      });
      lines.push(`| ${c} | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  if (notes.length > 0) {
    lines.push('## Notes', '');
    notes.forEach((n, i) => lines.push(`${i + 1}. ${n}`));
    lines.push('');
  }
  return lines.join('\n');
}
