// W3C traceparent continued across the official Node.js SDK and our library,
// both ways, on real HTTP:
//  1. a Node.js HTTP client instrumented by the official SDK
//     (@opentelemetry/instrumentation-http) calls tracing_example_service;
//     the C++ server span is the child of the Node.js client span.
//  2. tracing_example_service's client span calls an instrumented Node.js
//     server; the Node.js server span is the child of the C++ client span.
// The C++ spans reach an OTLP/HTTP receiver decoding with the official code.
'use strict';
const path = require('path');
const JS_DIR = path.resolve(__dirname, '..', 'js', 'node_modules');
const req = (name) => require(path.join(JS_DIR, name));

// Instrumentation first: it patches `http` when that is first required.
const { NodeTracerProvider } = req('@opentelemetry/sdk-trace-node');
const { SimpleSpanProcessor, InMemorySpanExporter } = req('@opentelemetry/sdk-trace-base');
const { registerInstrumentations } = req('@opentelemetry/instrumentation');
const { HttpInstrumentation } = req('@opentelemetry/instrumentation-http');
const { Resource } = req('@opentelemetry/resources');
const memory = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ resource: new Resource({ 'service.name': 'node-peer' }) });
provider.addSpanProcessor(new SimpleSpanProcessor(memory));
provider.register();
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [new HttpInstrumentation({
    // The OTLP receiver below is test plumbing, not part of the traced traffic.
    ignoreIncomingRequestHook: (request) => request.url === '/v1/traces',
    ignoreOutgoingRequestHook: (options) => options.path === '/v1/traces',
  })],
});

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const http = require('http');
const { spawn } = require('child_process');
const c = require('./otlp_common');

const service = process.argv[2];
if (!service) {
  console.error('usage: node traceparent_interop.js PATH/tracing_example_service');
  process.exit(2);
}

const SERVER = 2;
const CLIENT = 3;

function httpGet(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (response) => {
      let body = '';
      response.on('data', (d) => { body += d; });
      response.on('end', () => resolve({ status: response.statusCode, body }));
    }).on('error', reject);
  });
}

function cppEnv(receiverPort, name) {
  return {
    OTEL_SERVICE_NAME: name,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPort}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
}

async function nodeClientToCppServer(receiverPort, cppSpans) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clt-traceparent-'));
  const portFile = path.join(dir, 'port');
  const child = spawn(service, ['serve', portFile], { env: { ...process.env, ...cppEnv(receiverPort, 'cpp-server') },
    stdio: ['pipe', 'inherit', 'inherit'] });
  let exited = null;
  child.on('exit', (code) => { exited = code; });
  try {
    await c.waitFor(() => fs.existsSync(portFile) || exited !== null, 10000, 'the C++ server to listen');
    assert.strictEqual(exited, null, 'the C++ server exited early');
    const port = Number(fs.readFileSync(portFile, 'utf8'));
    const reply = await httpGet(`http://127.0.0.1:${port}/hello`);
    assert.strictEqual(reply.status, 200);
    child.stdin.end();  // the service flushes its spans and exits
    await c.waitFor(() => exited !== null, 15000, 'the C++ server to exit');
    assert.strictEqual(exited, 0, 'the C++ server failed');
  } finally {
    if (exited === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const nodeClient = memory.getFinishedSpans().find((s) => s.kind === 2 /* api CLIENT */);
  assert.ok(nodeClient, 'the official SDK recorded no client span');
  const serverSpan = cppSpans.find((s) => s.span.name === 'GET /hello' && s.span.kind === SERVER);
  const childSpan = cppSpans.find((s) => s.span.name === 'compose greeting');
  assert.ok(serverSpan && childSpan, 'the C++ server spans were not exported');
  const nodeCtx = nodeClient.spanContext();
  assert.strictEqual(serverSpan.span.traceId, nodeCtx.traceId, 'C++ server span is in another trace');
  assert.strictEqual(serverSpan.span.parentSpanId, nodeCtx.spanId, 'C++ server span is not the child of the Node.js client span');
  assert.strictEqual(childSpan.span.traceId, nodeCtx.traceId);
  assert.strictEqual(childSpan.span.parentSpanId, serverSpan.span.spanId);
  console.log(`ok Node.js client ${nodeCtx.spanId} -> C++ server ${serverSpan.span.spanId} in trace ${nodeCtx.traceId}`);
}

async function cppClientToNodeServer(receiverPort, cppSpans) {
  memory.reset();
  const server = http.createServer((request, response) => { response.end('hi\n'); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${server.address().port}/hello`;
    const result = await c.run(service, ['call', url], cppEnv(receiverPort, 'cpp-client'));
    assert.strictEqual(result.code, 0, `C++ client failed: ${result.stderr}`);
    const cpp = JSON.parse(result.stdout.trim().split('\n').pop());
    await c.waitFor(() => memory.getFinishedSpans().some((s) => s.kind === 1 /* api SERVER */), 5000, 'the Node.js server span');
    const nodeServer = memory.getFinishedSpans().find((s) => s.kind === 1);
    assert.strictEqual(nodeServer.spanContext().traceId, cpp.traceId, 'Node.js server span is in another trace');
    assert.strictEqual(nodeServer.parentSpanId, cpp.spanId, 'Node.js server span is not the child of the C++ client span');
    await c.waitFor(() => cppSpans.some((s) => s.span.spanId === cpp.spanId), 5000, 'the C++ client span export');
    const clientSpan = cppSpans.find((s) => s.span.spanId === cpp.spanId).span;
    assert.strictEqual(clientSpan.kind, CLIENT);
    assert.strictEqual(clientSpan.traceId, cpp.traceId);
    assert.strictEqual(clientSpan.parentSpanId, '');
    console.log(`ok C++ client ${cpp.spanId} -> Node.js server ${nodeServer.spanContext().spanId} in trace ${cpp.traceId}`);
  } finally {
    server.close();
  }
}

(async () => {
  const cppSpans = [];
  const receiver = await c.startHttpReceiver((message, transport, error) => {
    if (error) throw error;
    cppSpans.push(...c.flatten(c.toPlain(message)));
  });
  try {
    await nodeClientToCppServer(receiver.port, cppSpans);
    await cppClientToNodeServer(receiver.port, cppSpans);
  } finally {
    receiver.server.close();
  }
})().catch((e) => {
  console.error(`FAIL: ${e.message}`);
  process.exit(1);
});
