// Preloaded into each action process by the benchmark (NODE_OPTIONS=--require …/probe.cjs). It changes
// nothing the action does; on exit it appends one JSON line to $AIB_BENCH_PROBE (main's first, then post's):
// - startEpochMs: when the process started (performance.timeOrigin),
// - outputsEpochMs: when the `image-id` output was written to $GITHUB_OUTPUT (outputs known),
// - maxRssKb: peak resident set size (process.resourceUsage().maxRSS, kilobytes),
// - cpuMs: user + system CPU time.
'use strict';
const fs = require('node:fs');

const probeFile = process.env.AIB_BENCH_PROBE;
if (probeFile) {
  const record = { startEpochMs: performance.timeOrigin };
  const append = fs.appendFileSync;
  fs.appendFileSync = function (file, data, ...rest) {
    if (
      record.outputsEpochMs === undefined &&
      String(file) === process.env.GITHUB_OUTPUT &&
      /^image-id(<<|=)/.test(String(data))
    ) {
      record.outputsEpochMs = performance.timeOrigin + performance.now();
    }
    return append.call(this, file, data, ...rest);
  };
  require('node:module').syncBuiltinESMExports();
  process.on('exit', () => {
    const u = process.resourceUsage();
    record.maxRssKb = u.maxRSS;
    record.cpuMs = (u.userCPUTime + u.systemCPUTime) / 1000;
    append.call(fs, probeFile, JSON.stringify(record) + '\n');
  });
}
