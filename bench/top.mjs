// Summarise a .cpuprofile: self time by function and by package/file (node bench/top.mjs file.cpuprofile)
import { readFileSync } from "node:fs";
const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = p.timeDeltas; let total = 0;
for (let i = 0; i < p.samples.length; i++) { const n = byId.get(p.samples[i]); const d = dt[i] ?? 0; total += d;
  const cf = n.callFrame; const key = `${cf.functionName || "(anon)"} ${cf.url.replace(/^.*node_modules\//, "nm:").replace(/^file:\/\/.*\/main\//, "")}:${cf.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + d); }
const byFile = new Map();
for (const [k, v] of self) { const f = k.split(" ")[1].replace(/:\d+$/, "").replace(/^(nm:(@[^/]+\/)?[^/]+).*/, "$1"); byFile.set(f, (byFile.get(f) ?? 0) + v); }
const show = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).forEach(([k, v]) => console.log(`${(v / 1000).toFixed(0).padStart(7)} ms ${(100 * v / total).toFixed(1).padStart(5)}%  ${k}`));
console.log(`total ${(total / 1000).toFixed(0)} ms`); console.log("--- by file/package"); show(byFile, 25); console.log("--- by function"); show(self, 40);
