// Lossless storage: spans made by the official OpenTelemetry JS SDK (npm),
// with events, links, status, trace state, ns timestamps and dropped counts,
// are exported to `clt collector` over OTLP/HTTP protobuf; the collector
// stores them and, with --export-app-spans, sends them on to this script's
// own OTLP/HTTP receiver. Both requests are decoded with the protobuf code
// generated from the official OTLP protos (@opentelemetry/otlp-transformer)
// and compared span by span, field for field.
// usage: node lossless_export.js COLLECTOR_OTLP_HTTP_PORT RECEIVER_PORT QUERY_PORT
'use strict';
const path = require('path');
const http = require('http');
const assert = require('assert');
const nm = path.join(__dirname, '..', 'js', 'node_modules');
const req = (m) => require(path.join(nm, m));
const { BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter } = req('@opentelemetry/sdk-trace-base');
const { Resource } = req('@opentelemetry/resources');
const { TraceState } = req('@opentelemetry/core');
const { OTLPTraceExporter } = req('@opentelemetry/exporter-trace-otlp-proto');
const { ProtobufTraceSerializer } = req('@opentelemetry/otlp-transformer');
const root = req('@opentelemetry/otlp-transformer/build/src/generated/root');
const api = req('@opentelemetry/api');

const Request = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const [collectorPort, receiverPort, queryPort] = process.argv.slice(2).map(Number);

function ok(msg) { console.log('ok: ' + msg); }

// Every span of a decoded request with its resource and scope, by span id.
function flatten(bytes, into) {
  const decoded = Request.toObject(Request.decode(bytes),
    { longs: String, enums: Number, bytes: String, defaults: true, arrays: true, objects: true });
  for (const rs of decoded.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const span of ss.spans)
        into[span.spanId] = { resource: rs.resource, resourceSchemaUrl: rs.schemaUrl,
          scope: ss.scope, scopeSchemaUrl: ss.schemaUrl, span };
  return into;
}

const received = {};
const receiver = http.createServer((rq, rs) => {
  const chunks = [];
  rq.on('data', (c) => chunks.push(c));
  rq.on('end', () => {
    flatten(Buffer.concat(chunks), received);
    const answer = Buffer.from(root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse
      .encode({}).finish());
    rs.writeHead(200, { 'Content-Type': 'application/x-protobuf', 'Content-Length': answer.length });
    rs.end(answer);
  });
});

function makeSpans() {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: new Resource({ 'service.name': 'lossless', 'host.name': 'athos', 'process.pid': 4242 }),
    // The SDK drops what is beyond these and counts it in the span.
    spanLimits: { attributeCountLimit: 5, eventCountLimit: 3 },
  });
  provider.addSpanProcessor(new SimpleSpanProcessor(memory));
  const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${collectorPort}/v1/traces` });
  provider.addSpanProcessor(new SimpleSpanProcessor(exporter));
  const tracer = provider.getTracer('lossless-test', '1.2.3');
  // A remote parent with a W3C trace state, inherited by the spans.
  const parent = api.trace.setSpanContext(api.context.active(), {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7',
    traceFlags: api.TraceFlags.SAMPLED, isRemote: true,
    traceState: new TraceState('vendor1=opaque1,clt=on'),
  });
  const linked = { traceId: '5bf92f3577b34da6a3ce929d0e0e4736', spanId: '10f067aa0ba902b7',
    traceFlags: api.TraceFlags.SAMPLED, traceState: new TraceState('other=x') };
  const start = [1700000000, 123456789];  // ns precision
  const span = tracer.startSpan('GET /lossless', {
    kind: api.SpanKind.CLIENT, startTime: start,
    attributes: { 'http.method': 'GET', 'retry.count': 3, ratio: 0.25, cached: false,
      'tags.list': ['a', 'b'], extra1: 1, extra2: 2 },
    links: [
      { context: linked, attributes: { 'link.kind': 'cause', n: 7 } },
      { context: { ...linked, spanId: '20f067aa0ba902b7' } },
      { context: { ...linked, spanId: '30f067aa0ba902b7' } },
    ],
  }, parent);
  span.addEvent('sent', { bytes: 10, 'msg.id': 'm-1' }, [1700000000, 223456789]);
  span.addEvent('retry', [1700000000, 323456781]);
  span.addEvent('received', { bytes: 20 }, [1700000000, 423456783]);
  span.addEvent('too many', [1700000000, 523456785]);
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: 'upstream failed' });
  span.end([1700000000, 987654321]);
  const child = tracer.startSpan('child', { startTime: [1700000000, 200000001] },
    api.trace.setSpan(api.context.active(), span));
  child.setStatus({ code: api.SpanStatusCode.OK });
  child.end([1700000000, 300000003]);
  // (Shutting the provider down empties the memory exporter.)
  return provider.forceFlush().then(() => memory.getFinishedSpans());
}

function get(p) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: queryPort, path: p }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(body) }));
    }).on('error', reject);
  });
}

(async () => {
  await new Promise((r) => receiver.listen(receiverPort, '127.0.0.1', r));
  const spans = await makeSpans();
  // The bytes the SDK's exporter sent: its own serializer on the same spans.
  const sent = flatten(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)), {});
  const ids = Object.keys(sent);
  assert.strictEqual(ids.length, 2, 'two spans made');
  const main = Object.values(sent).find((s) => s.span.name === 'GET /lossless');
  assert.ok(main.span.events.length === 3 && main.span.droppedEventsCount === 1, 'SDK kept 3 events, dropped 1');
  assert.strictEqual(main.span.links.length, 3);
  assert.ok(main.span.droppedAttributesCount === 2, 'SDK dropped 2 attributes');
  assert.strictEqual(main.span.traceState, 'vendor1=opaque1,clt=on');
  assert.strictEqual(main.span.startTimeUnixNano, '1700000000123456789');
  ok('the SDK made spans with events, links, status, trace state and dropped counts');

  for (let i = 0; i < 100 && ids.some((id) => !received[id]); i++) await new Promise((r) => setTimeout(r, 100));
  for (const id of ids) {
    assert.ok(received[id], 'span ' + id + ' exported again by the collector');
    assert.deepStrictEqual(received[id], sent[id]);
    ok('span ' + sent[id].span.name + ': resource, scope and every span field equal after decoding');
  }
  // The Jaeger view, rendered from the same stored span.
  const hexTrace = Buffer.from(main.span.traceId, 'base64').toString('hex');
  const trace = (await get('/api/traces/' + hexTrace)).json.data[0];
  const j = trace.spans.find((s) => s.operationName === 'GET /lossless');
  assert.strictEqual(j.startTime, 1700000000123456);
  assert.strictEqual(j.logs.length, 3);
  assert.strictEqual(j.references.filter((r) => r.refType === 'FOLLOWS_FROM').length, 3);
  const tags = Object.fromEntries(j.tags.map((t) => [t.key, t.value]));
  assert.strictEqual(tags['w3c.tracestate'], 'vendor1=opaque1,clt=on');
  assert.strictEqual(tags['otel.dropped_events_count'], 1);
  assert.strictEqual(tags['otel.scope.version'], '1.2.3');
  ok('the Jaeger view shows events as logs, links as references, trace state and dropped counts');
  const found = (await get('/api/traces?service=lossless&tags=' +
    encodeURIComponent(JSON.stringify({ 'otel.status_code': 'ERROR', 'host.name': 'athos' })) + '&start=0')).json.data;
  assert.ok(found.some((t) => t.traceID === hexTrace), 'found by status and resource tag');
  ok('found by a span tag and a process tag');
  receiver.close();
  console.log('PASS');
})().catch((e) => { console.error('FAIL:', e); process.exit(1); });
