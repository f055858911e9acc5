// The zero-code demo's backend (aramis): POST /check and POST /validate
// answer after a random delay. Plain Node.js http; tracing, if any, is
// loaded from outside (--require ./tracing.js).
// usage: node backend.js PORT MIN_DELAY_MS MAX_DELAY_MS
'use strict';
const http = require('http');

const [port, minDelay, maxDelay] = process.argv.slice(2).map(Number);
if (!(port > 0) || !(minDelay >= 0) || !(maxDelay >= minDelay)) {
  console.error('usage: node backend.js PORT MIN_DELAY_MS MAX_DELAY_MS');
  process.exit(2);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    res.end('ok\n');
    return;
  }
  if (req.method !== 'POST' || (req.url !== '/check' && req.url !== '/validate')) {
    res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': 14 });
    res.end('no such route\n');
    return;
  }
  let size = 0;
  req.on('data', (chunk) => (size += chunk.length));
  req.on('end', () => {
    const delay = minDelay + Math.floor(Math.random() * (maxDelay - minDelay + 1));
    setTimeout(() => {
      const body = JSON.stringify({ ok: true, bytes: size, delay_ms: delay });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    }, delay);
  });
});
server.keepAliveTimeout = 60000;
server.listen(port, '::', () => console.log(`backend: listening on [::]:${port}`));
