// Inclusive time of functions matching a regex (node bench/incl.mjs file.cpuprofile 'regex')
import { readFileSync } from "node:fs";
const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const re = new RegExp(process.argv[3]);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map(); for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n) => `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.replace(/^.*node_modules\//, "nm:").replace(/^file:\/\/.*\/main\//, "")}:${n.callFrame.lineNumber + 1}`;
const incl = new Map(); let total = 0;
for (let i = 0; i < p.samples.length; i++) { const d = p.timeDeltas[i] ?? 0; total += d; const seen = new Set();
  for (let id = p.samples[i]; id !== undefined; id = parent.get(id)) { const l = label(byId.get(id)); if (re.test(l) && !seen.has(l)) { seen.add(l); incl.set(l, (incl.get(l) ?? 0) + d); } } }
console.log(`total ${(total / 1000).toFixed(0)} ms`);
[...incl].sort((a, b) => b[1] - a[1]).slice(0, 40).forEach(([k, v]) => console.log(`${(v / 1000).toFixed(0).padStart(7)} ms ${(100 * v / total).toFixed(1).padStart(5)}%  ${k}`));
