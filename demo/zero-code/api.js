// The zero-code demo's API entrypoint (athos): GET /api/request posts to the
// backend's /check then /validate, both on one keep-alive connection, and
// answers with their statuses and durations. Plain Node.js http; tracing, if
// any, is loaded from outside (--require ./tracing.js).
// usage: node api.js PORT BACKEND_HOST BACKEND_PORT PAYLOAD_BYTES
'use strict';
const http = require('http');

const [port, backendHost, backendPort, payloadBytes] = [
  Number(process.argv[2]), process.argv[3], Number(process.argv[4]), Number(process.argv[5]),
];
if (!(port > 0) || !backendHost || !(backendPort > 0) || !(payloadBytes >= 0)) {
  console.error('usage: node api.js PORT BACKEND_HOST BACKEND_PORT PAYLOAD_BYTES');
  process.exit(2);
}
const payload = Buffer.alloc(payloadBytes, 'x');
// One connection to the backend, kept alive: its requests follow each other on it.
const backend = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, path, body) {
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = http.request(
      { host: backendHost, port: backendPort, method, path, agent: backend,
        headers: body ? { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length } : {} },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, duration_ms: Number(process.hrtime.bigint() - start) / 1e6 }));
      });
    req.setTimeout(30000, () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve({ status: 0, error: e.message, duration_ms: Number(process.hrtime.bigint() - start) / 1e6 }));
    req.end(body);
  });
}

function reply(res, status, type, text) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    const r = await call('GET', '/healthz');
    if (r.status === 200) reply(res, 200, 'text/plain', 'ok\n');
    else reply(res, 503, 'text/plain', `backend not reachable: ${r.error || 'HTTP ' + r.status}\n`);
    return;
  }
  if (req.method !== 'GET' || req.url !== '/api/request') {
    reply(res, 404, 'text/plain', 'no such route\n');
    return;
  }
  const start = process.hrtime.bigint();
  const subs = [];
  let error;
  for (const path of ['/check', '/validate']) {
    const r = await call('POST', path, payload);
    subs.push({ name: path, status: r.status, duration_ms: r.duration_ms });
    if (r.status !== 200) {
      error = `${path}: ${r.error || 'HTTP ' + r.status}`;
      break;
    }
  }
  const answer = { duration_ms: Number(process.hrtime.bigint() - start) / 1e6, sub_requests: subs };
  if (error) answer.error = error;
  reply(res, error ? 502 : 200, 'application/json', JSON.stringify(answer));
});
server.keepAliveTimeout = 60000;
server.listen(port, '::', () => console.log(`api: listening on [::]:${port}`));
