/**
 * Codec: runs the codec suite from bench/codec.ts (wiregrpc vs protobufjs vs @bufbuild/protobuf encode/decode,
 * in process, its own alternating rounds; written and owned by the codec helper) and files its rows here.
 */
import { runCodecBench } from '../codec.js';
import type { Metric } from '../lib/results.js';
import type { Ctx, Suite } from '../lib/suite.js';

const OPS: Metric = { name: 'ops/s', unit: 'ops/s', better: 'higher' };

export const codec: Suite = {
  name: 'codec',
  title: 'Codec (encode/decode in process)',
  impls: ['wiregrpc', 'protobufjs', 'bufbuild'],
  async run(ctx: Ctx) {
    const info = ctx.results.suite(this.name, this.title, this.impls);
    info.notes.push(
      'protobufjs: Type.encode/decode (its code generated at run time); bufbuild: @bufbuild/protobuf toBinary/' +
        'fromBinary from a runtime registry; case names give the encoded size',
    );
    const rows = await runCodecBench({ quick: ctx.quick, rounds: ctx.rounds, log: ctx.log });
    if (rows.length === 0) throw new Error('runCodecBench returned no rows');
    for (const r of rows) {
      if (!info.impls.includes(r.impl)) info.impls.push(r.impl);
      for (const s of r.samples) ctx.results.add(this.name, r.case, OPS, r.impl, s);
    }
  },
};
