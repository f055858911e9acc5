// Interop: the official OpenTelemetry JS SDK (npm) exports to `clt collector`
// over OTLP/HTTP protobuf, OTLP/gRPC and OTLP/HTTP JSON (the SDK's serializer);
// the spans come back through the
// Jaeger-compatible query API with their ids, parents, names and attributes.
// usage: node otel_sdk_interop.js OTLP_HTTP_PORT OTLP_GRPC_PORT QUERY_PORT
'use strict';
const path = require('path');
const nm = path.join(__dirname, '..', 'js', 'node_modules');
const req = (m) => require(path.join(nm, m));
const { NodeTracerProvider } = req('@opentelemetry/sdk-trace-node');
const { SimpleSpanProcessor } = req('@opentelemetry/sdk-trace-base');
const { Resource } = req('@opentelemetry/resources');
const { OTLPTraceExporter: ProtoExporter } = req('@opentelemetry/exporter-trace-otlp-proto');
const { OTLPTraceExporter: GrpcExporter } = req('@opentelemetry/exporter-trace-otlp-grpc');
const api = req('@opentelemetry/api');
const { JsonTraceSerializer } = req('@opentelemetry/otlp-transformer');
const http = require('http');

const [httpPort, grpcPort, queryPort] = process.argv.slice(2).map(Number);

function get(p) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: queryPort, path: p }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(body) }));
    }).on('error', reject);
  });
}

async function produce(service, exporter) {
  const provider = new NodeTracerProvider({ resource: new Resource({ 'service.name': service, 'deployment.environment': 'test' }) });
  provider.addSpanProcessor(new SimpleSpanProcessor(exporter));
  const tracer = provider.getTracer('interop');
  let ids;
  await tracer.startActiveSpan('request', async (root) => {
    root.setAttribute('http.method', 'GET');
    root.setAttribute('retry.count', 3);
    const child = tracer.startSpan('GET /check', { kind: api.SpanKind.SERVER }, api.trace.setSpan(api.context.active(), root));
    child.addEvent('sent', { bytes: 10 });
    child.setStatus({ code: api.SpanStatusCode.ERROR, message: 'upstream failed' });
    child.end();
    root.end();
    ids = { trace: root.spanContext().traceId, root: root.spanContext().spanId, child: child.spanContext().spanId };
  });
  await provider.forceFlush();
  await provider.shutdown();
  return ids;
}

function assert(cond, msg) {
  if (!cond) { console.error('FAIL: ' + msg); process.exit(1); }
  console.log('ok: ' + msg);
}

async function verify(service, ids) {
  let trace;
  for (let i = 0; i < 50 && !trace; i++) {
    const r = await get('/api/traces/' + ids.trace);
    if (r.status === 200 && r.json.data[0].spans.length >= 2) trace = r.json.data[0];
    else await new Promise((res) => setTimeout(res, 100));
  }
  assert(trace, service + ': trace ' + ids.trace + ' found');
  const byId = Object.fromEntries(trace.spans.map((s) => [s.spanID, s]));
  const root = byId[ids.root], child = byId[ids.child];
  assert(root && root.operationName === 'request', service + ': root span by id');
  assert(child && child.operationName === 'GET /check', service + ': child span by id');
  assert(child.references[0].spanID === ids.root && child.references[0].refType === 'CHILD_OF', service + ': parent kept');
  assert(trace.processes[root.processID].serviceName === service, service + ': service name from the resource');
  const ptags = Object.fromEntries(trace.processes[root.processID].tags.map((t) => [t.key, t.value]));
  assert(ptags['deployment.environment'] === 'test', service + ': resource attributes as process tags');
  const rtags = Object.fromEntries(root.tags.map((t) => [t.key, t]));
  assert(rtags['http.method'].value === 'GET' && rtags['retry.count'].type === 'int64' && rtags['retry.count'].value === 3, service + ': attributes typed');
  const ctags = Object.fromEntries(child.tags.map((t) => [t.key, t.value]));
  assert(ctags['span.kind'] === 'server' && ctags['error'] === true && ctags['otel.status_description'] === 'upstream failed', service + ': kind and error status');
  assert(child.logs.length === 1 && child.logs[0].fields.some((f) => f.value === 'sent'), service + ': events as logs');
  assert(child.duration >= 0 && child.startTime > 1.6e15, service + ': microsecond times');
  const services = (await get('/api/services')).json.data;
  assert(services.includes(service), service + ': listed in /api/services');
  const ops = (await get('/api/services/' + service + '/operations')).json.data;
  assert(ops.includes('GET /check') && ops.includes('request'), service + ': operations listed');
  const found = (await get('/api/traces?service=' + service + '&operation=GET%20%2Fcheck&lookback=1h')).json.data;
  assert(found.some((t) => t.traceID === ids.trace), service + ': found by search');
}

// OTLP/HTTP JSON as the SDK's own serializer writes it (the JSON exporter
// package is this serializer plus an HTTP POST).
class JsonPostExporter {
  constructor(url) { this.url = new URL(url); }
  export(spans, done) {
    const body = Buffer.from(JsonTraceSerializer.serializeRequest(spans));
    const r = http.request({ host: this.url.hostname, port: this.url.port, path: this.url.pathname, method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => done({ code: res.statusCode === 200 ? 0 : 1 }));
    });
    r.on('error', () => done({ code: 1 }));
    r.end(body);
  }
  shutdown() { return Promise.resolve(); }
  forceFlush() { return Promise.resolve(); }
}

(async () => {
  const viaHttp = await produce('interop-http', new ProtoExporter({ url: `http://127.0.0.1:${httpPort}/v1/traces` }));
  await verify('interop-http', viaHttp);
  const viaGrpc = await produce('interop-grpc', new GrpcExporter({ url: `http://127.0.0.1:${grpcPort}` }));
  await verify('interop-grpc', viaGrpc);
  const viaJson = await produce('interop-json', new JsonPostExporter(`http://127.0.0.1:${httpPort}/v1/traces`));
  await verify('interop-json', viaJson);
  console.log('PASS');
})().catch((e) => { console.error('FAIL:', e); process.exit(1); });
