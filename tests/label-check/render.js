// Renders ZPL to PNG with zpl-renderer-js (a WebAssembly build of the zebrash renderer),
// independent of Dockhand's own code. Input: a JSON file [{"name", "zpl", "width_mm",
// "height_mm", "dots_per_mm"}]; writes OUT_DIR/<name>.png for each.
"use strict";
const fs = require("fs");
const path = require("path");

async function main() {
  const [jobsFile, outDir] = process.argv.slice(2);
  if (!jobsFile || !outDir) {
    console.error("usage: node render.js JOBS.json OUT_DIR");
    process.exit(2);
  }
  const jobs = JSON.parse(fs.readFileSync(jobsFile, "utf8"));
  const { api } = await require("zpl-renderer-js").ready;
  fs.mkdirSync(outDir, { recursive: true });
  for (const job of jobs) {
    const b64 = await api.zplToBase64Async(job.zpl, job.width_mm, job.height_mm, job.dots_per_mm);
    fs.writeFileSync(path.join(outDir, `${job.name}.png`), Buffer.from(b64, "base64"));
  }
  console.log(`rendered ${jobs.length} labels into ${outDir}`);
}

main().catch((e) => {
  console.error(`render failed: ${e.stack || e}`);
  process.exit(1);
});
