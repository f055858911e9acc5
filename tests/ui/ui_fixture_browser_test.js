#!/usr/bin/env node
// The browser checks against the FIXTURE server (canned data, no collector):
// for developing the UI. `ui_browser` runs the same checks against the real
// `clt collector`.
'use strict';
const { spawn } = require('child_process');
const path = require('path');
const { runBrowserChecks } = require('./browser_checks');
const { makeFixtureTraces, XSS_NAME, XSS_VALUE } = require('./fixture_traces');

async function main() {
  const server = spawn(process.execPath, [path.join(__dirname, 'fixture_server.js'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise((resolve, reject) => {
    server.stdout.on('data', (d) => {
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(String(d));
      if (m) resolve(m[1]);
    });
    server.on('exit', (c) => reject(new Error(`fixture server exited with ${c}`)));
  });
  try {
    const traces = makeFixtureTraces(0);
    await runBrowserChecks(base, {
      service: 'athos',
      traceIds: traces.map((t) => t.traceID),
      slowTraceId: traces[0].traceID,
      fastTraceId: traces[1].traceID,
      xssTraceId: traces[4].traceID,
      xssName: XSS_NAME,
      maliciousValue: XSS_VALUE,
      slowHop: 'porthos',
      slowHopIngress: 21,
      slowHopQueue: 480,
      slowDelayText: '48 ms',
      linkDelayTexts: ['48 ms', '90 µs'],
      pathNodes: ['athos', 'porthos', 'aramis'],
      packetsPerSpan: 6,
      slowLinkName: 'athos → porthos',
      slowLinkSlowTraces: '2 of 5',
      slowTraceCount: 2,
      slowLinkMaxText: '52 ms',
      rootAttribute: 'http.method',
      rootEvent: 'request received',
    }, { artifacts: path.join(__dirname, '..', 'artifacts', 'ui-fixture') });
    console.log('ui fixture browser test: ok');
  } finally {
    server.kill();
  }
}

main().catch((e) => {
  console.error(`ui fixture browser test FAILED: ${e.stack || e}`);
  process.exit(1);
});
