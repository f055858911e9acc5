// Spans exported by the official OpenTelemetry Node.js SDK over OTLP/HTTP
// protobuf and OTLP/gRPC (and the official OTLP/JSON serializer) are decoded by
// our OTLP module (tracing_test_receiver) with every field equal to what the
// SDK recorded.
'use strict';
const assert = require('assert');
const http = require('http');
const readline = require('readline');
const { spawn } = require('child_process');
const c = require('./otlp_common');

const receiverPath = process.argv[2];
if (!receiverPath) {
  console.error('usage: node node_sdk_to_cpp_interop.js PATH/tracing_test_receiver');
  process.exit(2);
}

const api = c.req('@opentelemetry/api');
const core = c.req('@opentelemetry/core');
const { Resource } = c.req('@opentelemetry/resources');
const { NodeTracerProvider } = c.req('@opentelemetry/sdk-trace-node');
const { BatchSpanProcessor, SimpleSpanProcessor, InMemorySpanExporter } = c.req('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter: ProtoExporter } = c.req('@opentelemetry/exporter-trace-otlp-proto');
const { OTLPTraceExporter: GrpcExporter } = c.req('@opentelemetry/exporter-trace-otlp-grpc');
const { JsonTraceSerializer } = c.req('@opentelemetry/otlp-transformer');

function nanos(hrTime) {
  return (BigInt(hrTime[0]) * 1000000000n + BigInt(hrTime[1])).toString();
}

// The AnyValue the OTLP transformer writes for a JS attribute value.
function jsValue(v) {
  if (typeof v === 'string') return { string: v };
  if (typeof v === 'boolean') return { bool: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { int: String(v) } : { double: v };
  if (Array.isArray(v)) return { array: v.map(jsValue) };
  throw new Error(`unexpected attribute value ${v}`);
}
const jsAttributes = (attrs) => Object.entries(attrs || {}).map(([k, v]) => [k, jsValue(v)]);

// A ReadableSpan as the SDK recorded it, in the comparison shape.
function fromSdk(span) {
  const ctx = span.spanContext();
  return {
    traceId: ctx.traceId, spanId: ctx.spanId, parentSpanId: span.parentSpanId || '',
    traceState: ctx.traceState ? ctx.traceState.serialize() : '', name: span.name, kind: span.kind + 1,
    startTimeUnixNano: nanos(span.startTime), endTimeUnixNano: nanos(span.endTime),
    attributes: jsAttributes(span.attributes), droppedAttributesCount: span.droppedAttributesCount || 0,
    events: span.events.map((e) => ({ timeUnixNano: nanos(e.time), name: e.name, attributes: jsAttributes(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount || 0 })),
    droppedEventsCount: span.droppedEventsCount || 0,
    links: span.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId,
      traceState: l.context.traceState ? l.context.traceState.serialize() : '', attributes: jsAttributes(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount || 0 })),
    droppedLinksCount: span.droppedLinksCount || 0,
    status: { code: span.status.code, message: span.status.message || '' },
  };
}

// Our receiver's OTLP/JSON (protobuf JSON mapping: defaults omitted, int64 as
// strings, bytes base64, ids hex) in the comparison shape.
function ourValue(v) {
  if ('stringValue' in v) return { string: v.stringValue };
  if ('boolValue' in v) return { bool: v.boolValue };
  if ('intValue' in v) return { int: String(v.intValue) };
  if ('doubleValue' in v) return { double: v.doubleValue };
  if ('arrayValue' in v) return { array: (v.arrayValue.values || []).map(ourValue) };
  if ('kvlistValue' in v) return { kvlist: ourAttributes(v.kvlistValue.values) };
  if ('bytesValue' in v) return { bytes: Buffer.from(v.bytesValue, 'base64').toString('hex') };
  return null;
}
const ourAttributes = (list) => (list || []).map((kv) => [kv.key, ourValue(kv.value || {})]);
function fromOurs(s) {
  return {
    traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || '', traceState: s.traceState || '',
    name: s.name, kind: s.kind || 0, startTimeUnixNano: String(s.startTimeUnixNano),
    endTimeUnixNano: String(s.endTimeUnixNano), attributes: ourAttributes(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount || 0,
    events: (s.events || []).map((e) => ({ timeUnixNano: String(e.timeUnixNano), name: e.name,
      attributes: ourAttributes(e.attributes), droppedAttributesCount: e.droppedAttributesCount || 0 })),
    droppedEventsCount: s.droppedEventsCount || 0,
    links: (s.links || []).map((l) => ({ traceId: l.traceId, spanId: l.spanId, traceState: l.traceState || '',
      attributes: ourAttributes(l.attributes), droppedAttributesCount: l.droppedAttributesCount || 0 })),
    droppedLinksCount: s.droppedLinksCount || 0,
    status: { code: (s.status && s.status.code) || 0, message: (s.status && s.status.message) || '' },
  };
}

function startReceiver() {
  const child = spawn(receiverPath, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  let ports = null;
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const m = /^READY http=(\d+) grpc=(\d+)$/.exec(line);
    if (m) ports = { http: Number(m[1]), grpc: Number(m[2]) };
    else lines.push(JSON.parse(line));
  });
  return { child, lines, ports: () => ports };
}

function recordSpans(tracer) {
  const remoteParent = api.trace.setSpanContext(api.context.active(), {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true,
    traceState: new core.TraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'),
  });
  const server = tracer.startSpan('GET /api', {
    kind: api.SpanKind.SERVER, attributes: { 'http.method': 'GET', 'http.status_code': 200 },
  }, remoteParent);
  const serverCtx = api.trace.setSpan(api.context.active(), server);
  const client = tracer.startSpan('call backend', {
    kind: api.SpanKind.CLIENT,
    attributes: { 'peer.port': 8080, ratio: 0.75, ok: true, tags: ['a', 'b'], counts: [1, 2, 3], big: 9007199254740991 },
    links: [{ context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 },
      attributes: { 'link.reason': 'retry-of' } }],
  }, serverCtx);
  client.addEvent('sent', { bytes: 512 });
  client.addEvent('received');
  client.setStatus({ code: api.SpanStatusCode.ERROR, message: 'backend timeout' });
  client.end();
  const internal = tracer.startSpan('render', { kind: api.SpanKind.INTERNAL }, serverCtx);
  internal.setStatus({ code: api.SpanStatusCode.OK });
  internal.end();
  tracer.startSpan('publish', { kind: api.SpanKind.PRODUCER }).end();
  tracer.startSpan('consume', { kind: api.SpanKind.CONSUMER }).end();
  server.end();
}

function postJson(port, body) {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST',
      headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.on('data', (d) => { text += d; });
      response.on('end', () => resolve({ status: response.statusCode, text }));
    });
    request.on('error', reject);
    request.end(Buffer.from(body));
  });
}

(async () => {
  const receiver = startReceiver();
  try {
    await c.waitFor(() => receiver.ports(), 10000, 'the C++ receiver to listen');
    const { http: httpPort, grpc: grpcPort } = receiver.ports();
    const resource = Resource.default().merge(new Resource({ 'service.name': 'node-sdk-interop', 'deployment.environment': 'interop' }));
    const provider = new NodeTracerProvider({ resource });
    const memory = new InMemorySpanExporter();
    provider.addSpanProcessor(new SimpleSpanProcessor(memory));
    provider.addSpanProcessor(new BatchSpanProcessor(new ProtoExporter({ url: `http://127.0.0.1:${httpPort}/v1/traces` })));
    provider.addSpanProcessor(new BatchSpanProcessor(new GrpcExporter({ url: `http://127.0.0.1:${grpcPort}` })));
    recordSpans(provider.getTracer('node-interop', '4.5.6'));
    await provider.forceFlush();
    const recorded = memory.getFinishedSpans();
    assert.strictEqual(recorded.length, 5);
    const jsonReply = await postJson(httpPort, JsonTraceSerializer.serializeRequest(recorded));
    assert.strictEqual(jsonReply.status, 200, `OTLP/JSON rejected: ${jsonReply.text}`);

    const expected = recorded.map(fromSdk);
    const expectedResource = Object.entries(resource.attributes).map(([k, v]) => [k, jsValue(v)]);
    for (const transport of ['http/protobuf', 'grpc', 'http/json']) {
      const received = () => {
        const spans = [];
        for (const line of receiver.lines.filter((l) => l.transport === transport)) {
          for (const rs of line.request.resourceSpans || []) {
            for (const ss of rs.scopeSpans || []) {
              for (const span of ss.spans || []) {
                spans.push({ resource: ourAttributes(rs.resource.attributes), scope: ss.scope, span: fromOurs(span) });
              }
            }
          }
        }
        return spans;
      };
      await c.waitFor(() => received().length >= expected.length, 10000, `${transport} export`);
      await c.sleep(100);  // anything extra would show as a count mismatch
      const got = received();
      assert.strictEqual(got.length, expected.length, `${transport}: ${got.length} spans received, ${expected.length} recorded`);
      for (const want of expected) {
        const match = got.find((g) => g.span.spanId === want.spanId);
        assert.ok(match, `${transport}: span ${want.name} missing`);
        assert.deepStrictEqual(match.span, want, `${transport}: span ${want.name} differs`);
        assert.deepStrictEqual(match.resource, expectedResource, `${transport}: resource differs`);
        assert.deepStrictEqual(match.scope, { name: 'node-interop', version: '4.5.6' }, `${transport}: scope differs`);
      }
      console.log(`ok ${transport}: ${expected.length} spans from the official Node.js SDK, every field equal`);
    }
    await provider.shutdown();
  } finally {
    receiver.child.stdin.end();
    receiver.child.kill();
  }
})().catch((e) => {
  console.error(`FAIL: ${e.message}`);
  process.exit(1);
});
