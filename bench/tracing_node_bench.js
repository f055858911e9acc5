// The official OpenTelemetry Node.js SDK measured as bench_tracing measures
// our library: span start+end on the caller's thread with the SDK's
// BatchSpanProcessor (exporter discarding), and OTLP export throughput of
// 512-span batches to an in-process receiver on loopback that decodes them.
// The receiver is tests/tracing's tracing_test_receiver --discard in its own
// process, so that decoding does not share the exporter's event loop.
//   node bench/tracing_node_bench.js BUILD/tests/tracing/tracing_test_receiver
'use strict';
const path = require('path');
const readline = require('readline');
const { spawn } = require('child_process');
const c = require(path.resolve(__dirname, '..', 'tests', 'tracing', 'otlp_common.js'));

const receiverPath = process.argv[2];
if (!receiverPath) {
  console.error('usage: node bench/tracing_node_bench.js PATH/tracing_test_receiver');
  process.exit(2);
}

const api = c.req('@opentelemetry/api');
const { Resource } = c.req('@opentelemetry/resources');
const { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } =
  c.req('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter: ProtoExporter } = c.req('@opentelemetry/exporter-trace-otlp-proto');
const { OTLPTraceExporter: GrpcExporter } = c.req('@opentelemetry/exporter-trace-otlp-grpc');

const REPETITIONS = 10;
const SPANS_PER_REPETITION = 200000;
const BATCH = 512;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

let discarded = 0;
const discarding = { export(spans, done) { discarded += spans.length; done({ code: 0 }); }, shutdown: async () => {} };

async function spanCost(name, body) {
  const provider = new BasicTracerProvider({ resource: new Resource({ 'service.name': 'bench' }) });
  provider.addSpanProcessor(new BatchSpanProcessor(discarding));
  const tracer = provider.getTracer('bench');
  const perSpan = [];
  for (let r = 0; r < REPETITIONS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < SPANS_PER_REPETITION; i++) body(tracer);
    perSpan.push(Number(process.hrtime.bigint() - start) / SPANS_PER_REPETITION);
    // Lets the batch processor's timer run between repetitions, as the
    // exporter thread runs alongside the C++ benchmark.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await provider.shutdown();
  console.log(`node ${name}: median ${median(perSpan).toFixed(0)} ns per span (min ${Math.min(...perSpan).toFixed(0)}, ` +
    `max ${Math.max(...perSpan).toFixed(0)}; ${REPETITIONS} x ${SPANS_PER_REPETITION})`);
}

function sampleBatch() {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: new Resource({ 'service.name': 'bench' }) });
  provider.addSpanProcessor(new SimpleSpanProcessor(memory));
  const tracer = provider.getTracer('bench', '1');
  for (let i = 0; i < BATCH; i++) {
    const span = tracer.startSpan('GET /api/check', { kind: api.SpanKind.CLIENT });
    span.setAttribute('http.request.method', 'GET');
    span.setAttribute('http.response.status_code', 200);
    span.setAttribute('server.address', 'fd00:2::2');
    span.end();
  }
  return memory.getFinishedSpans();
}

async function exportThroughput(name, exporter, seconds) {
  const spans = sampleBatch();
  const exportOnce = () => new Promise((resolve, reject) => exporter.export(spans, (result) =>
    (result.code === 0 ? resolve() : reject(result.error || new Error('export failed')))));
  await exportOnce();  // connection set up outside the measurement
  let batches = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(seconds * 1e9);
  while (process.hrtime.bigint() < deadline) {
    await exportOnce();
    batches++;
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`node export ${name}: ${(batches * BATCH / elapsed / 1000).toFixed(1)}k spans/s ` +
    `(${(elapsed * 1000 / batches).toFixed(2)} ms per ${BATCH}-span batch, ${batches} batches)`);
  await exporter.shutdown();
}

(async () => {
  await spanCost('span start+end (batch processor)', (tracer) => {
    tracer.startSpan('GET /api/check', { kind: api.SpanKind.CLIENT }).end();
  });
  const parent = new BasicTracerProvider().getTracer('p').startSpan('parent');
  const parentCtx = api.trace.setSpan(api.context.active(), parent);
  await spanCost('child span start+end with 3 attributes (batch processor)', (tracer) => {
    const span = tracer.startSpan('GET /api/check', { kind: api.SpanKind.CLIENT }, parentCtx);
    span.setAttribute('http.request.method', 'GET');
    span.setAttribute('http.response.status_code', 200);
    span.setAttribute('server.address', 'fd00:2::2');
    span.end();
  });
  const receiver = spawn(receiverPath, ['--discard'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let ports = null;
  readline.createInterface({ input: receiver.stdout }).on('line', (line) => {
    const m = /^READY http=(\d+) grpc=(\d+)$/.exec(line);
    if (m) ports = { http: Number(m[1]), grpc: Number(m[2]) };
  });
  try {
    await c.waitFor(() => ports, 10000, 'the receiver');
    await exportThroughput('OTLP/HTTP protobuf', new ProtoExporter({ url: `http://127.0.0.1:${ports.http}/v1/traces` }), 3);
    await exportThroughput('OTLP/gRPC', new GrpcExporter({ url: `http://127.0.0.1:${ports.grpc}` }), 3);
  } finally {
    receiver.stdin.end();
    receiver.kill();
  }
})().catch((e) => {
  console.error(`FAIL: ${e.message}`);
  process.exit(1);
});
