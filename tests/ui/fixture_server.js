#!/usr/bin/env node
// FIXTURE SERVER, for UI development only: serves src/ui/web and a canned
// Jaeger-format query API (see fixture_traces.js). The browser test in
// `make test` runs against the real `clt collector`, not this.
//   node tests/ui/fixture_server.js [port]
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const { makeFixtureTraces, makeRecords } = require('./fixture_traces');

const webDir = path.join(__dirname, '..', '..', 'src', 'ui', 'web');
const port = Number(process.argv[2] || 0);
const traces = makeFixtureTraces(Date.now() * 1000);
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

function json(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function serviceOf(trace, span) {
  return trace.processes[span.processID].serviceName;
}

function durationUs(s) {
  if (!s) return null;
  const m = /^(\d+(?:\.\d+)?)(us|µs|ms|s)$/.exec(s);
  return m ? Number(m[1]) * { us: 1, 'µs': 1, ms: 1e3, s: 1e6 }[m[2]] : null;
}

function search(q) {
  const tags = q.get('tags') ? JSON.parse(q.get('tags')) : {};
  const start = Number(q.get('start') || 0);
  const end = Number(q.get('end') || Infinity);
  const min = durationUs(q.get('minDuration'));
  const max = durationUs(q.get('maxDuration'));
  return traces.filter((t) => t.spans.some((s) =>
    serviceOf(t, s) === q.get('service') &&
    (!q.get('operation') || s.operationName === q.get('operation')) &&
    s.startTime >= start && s.startTime <= end &&
    (min === null || s.duration >= min) && (max === null || s.duration <= max) &&
    Object.entries(tags).every(([k, v]) => s.tags.some((tg) => tg.key === k && String(tg.value) === v))))
    .slice(0, Number(q.get('limit') || 20));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const p = url.pathname;
  if (p === '/api/services') {
    return json(res, 200, { data: [...new Set(traces.flatMap((t) => t.spans.map((s) => serviceOf(t, s))))], total: 3 });
  }
  let m = /^\/api\/services\/([^/]+)\/operations$/.exec(p);
  if (m) {
    const svc = decodeURIComponent(m[1]);
    return json(res, 200, { data: [...new Set(traces.flatMap((t) => t.spans.filter((s) => serviceOf(t, s) === svc).map((s) => s.operationName)))] });
  }
  if (p === '/api/traces') return json(res, 200, { data: search(url.searchParams), errors: null });
  m = /^\/api\/traces\/([0-9a-f]+)$/.exec(p);
  if (m) {
    const t = traces.find((x) => x.traceID === m[1]);
    return t ? json(res, 200, { data: [t] }) : json(res, 404, { data: null, errors: [{ code: 404, msg: 'trace not found' }] });
  }
  if (p === '/api/ioam/records') {
    const t = traces.find((x) => x.traceID === url.searchParams.get('traceID'));
    return json(res, 200, { data: t ? makeRecords(t, url.searchParams.get('spanID')) : [] });
  }
  if (p.startsWith('/api/')) return json(res, 404, { errors: [{ code: 404, msg: 'unknown API path' }] });
  const file = path.join(webDir, path.normalize(p).replace(/^(\.\.[/\\])+/, ''));
  const target = file.startsWith(webDir) && fs.existsSync(file) && fs.statSync(file).isFile() ? file : path.join(webDir, 'index.html');
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(target)] || 'application/octet-stream' });
  fs.createReadStream(target).pipe(res);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`fixture server on http://127.0.0.1:${server.address().port}/`);
});
