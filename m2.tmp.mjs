import { build } from 'esbuild';
import vm from 'node:vm';
const mods = process.argv.slice(2);
async function cost(contents) {
  const r = await build({ stdin: { contents, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, format: 'iife', write: false, platform: 'neutral', mainFields: ['module','main'], logLevel: 'silent'});
  const script = new vm.Script(r.outputFiles[0].text);
  const ctx = vm.createContext({TextEncoder, TextDecoder, console});
  script.runInContext(ctx);
  const keep = []; global.gc(); const h0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < 50; i++) { script.runInContext(ctx); keep.push(ctx.__out); }
  global.gc(); return (process.memoryUsage().heapUsed - h0) / 50 / 1024;
}
const base = await cost(`import { z } from 'zod'; globalThis.__out = z.strictObject({a: z.array(z.string())});`);
console.log('zod base', base.toFixed(0));
for (const m of mods) console.log(m, ((await cost(`import * as a from './${m}'; globalThis.__out = a;`)) - base).toFixed(0), 'KB');
