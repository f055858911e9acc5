// Our spans, decoded by the official OTLP code, compare equal field by field.
// Runs tracing_interop_emitter once over OTLP/HTTP protobuf and once over
// OTLP/gRPC, both configured through the standard OTEL_* variables.
'use strict';
const assert = require('assert');
const c = require('./otlp_common');

const emitter = process.argv[2];
if (!emitter) {
  console.error('usage: node export_decode_interop.js PATH/tracing_interop_emitter');
  process.exit(2);
}

const REMOTE_TRACE = '0af7651916cd43dd8448eb211c80319c';
const REMOTE_SPAN = 'b7ad6b7169203331';
const REMOTE_STATE = 'rojo=00f067aa0ba902b7';

// What the emitter was asked to record (its inputs), plus the ids it printed.
// The 0.52.1 protos predate Span.flags and Link.flags (field 16 / 6): the
// official decoder skips them as unknown fields, so they decode as 0 here
// (the unit tests check the values we write).
function expectedSpans(ids) {
  const none = { attributes: [], droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [],
    droppedLinksCount: 0, status: { code: 0, message: '' } };
  return [
    { ...none, ...ids.internal, parentSpanId: ids.consumer.spanId, traceState: '', flags: 0, name: 'internal',
      kind: 1, startTimeUnixNano: '1700000000500000000', endTimeUnixNano: '1700000000550000000' },
    { ...none, ...ids.consumer, parentSpanId: '', traceState: '', flags: 0, name: 'consumer', kind: 5,
      startTimeUnixNano: '1700000000400000000', endTimeUnixNano: '1700000000600000000' },
    { ...none, ...ids.producer, parentSpanId: ids.child.spanId, traceState: REMOTE_STATE, flags: 0,
      name: 'producer', kind: 4, startTimeUnixNano: '1700000000300000000', endTimeUnixNano: '1700000000350000000',
      status: { code: 1, message: '' } },
    { ...none, ...ids.child, parentSpanId: ids.parent.spanId, traceState: REMOTE_STATE, flags: 0, name: 'child',
      kind: 3, startTimeUnixNano: '1700000000200000000', endTimeUnixNano: '1700000000900000000',
      attributes: [
        ['str', { string: 'hello' }],
        ['int', { int: '-9007199254740993' }],
        ['bool', { bool: true }],
        ['double', { double: 3.25 }],
        ['array', { array: [{ string: 'a' }, { int: '2' }, { bool: false }, { double: 0.5 }] }],
        ['kvlist', { kvlist: [['inner', { string: 'x' }], ['n', { int: '5' }]] }],
        ['bytes', { bytes: '0001feff' }],
      ],
      events: [{ timeUnixNano: '1700000000250000000', name: 'retry', attributes: [['attempt', { int: '2' }]],
        droppedAttributesCount: 0 }],
      links: [{ traceId: REMOTE_TRACE, spanId: REMOTE_SPAN, traceState: REMOTE_STATE,
        attributes: [['link.kind', { string: 'follows' }]], droppedAttributesCount: 0, flags: 0 }],
      status: { code: 2, message: 'upstream failed' } },
    { ...none, ...ids.parent, parentSpanId: REMOTE_SPAN, traceState: REMOTE_STATE, flags: 0, name: 'parent',
      kind: 2, startTimeUnixNano: '1700000000123456789', endTimeUnixNano: '1700000001000000000' },
  ];
}

const expectedResource = [
  ['service.name', { string: 'interop-emitter' }],
  ['telemetry.sdk.name', { string: 'clt' }],
  ['telemetry.sdk.language', { string: 'cpp' }],
  ['telemetry.sdk.version', { string: '0.1.0' }],
  ['deployment.environment', { string: 'interop' }],
];

async function exportOnce(protocol, endpoint, received) {
  received.length = 0;
  const result = await c.run(emitter, [], {
    OTEL_SERVICE_NAME: 'interop-emitter',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=interop',
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  });
  assert.strictEqual(result.code, 0, `emitter (${protocol}) failed: ${result.stderr}${result.stdout}`);
  const ids = JSON.parse(result.stdout.trim().split('\n').pop());
  const spans = [];
  for (const r of received) {
    assert.ok(!r.error, `${protocol}: receiver could not decode: ${r.error}`);
    assert.strictEqual(r.transport, protocol);
    spans.push(...c.flatten(c.toPlain(r.message)));
  }
  assert.strictEqual(spans.length, 5, `${protocol}: expected 5 spans, got ${spans.length}`);
  const expected = expectedSpans(ids);
  for (const want of expected) {
    const got = spans.find((s) => s.span.spanId === want.spanId);
    assert.ok(got, `${protocol}: span ${want.name} (${want.spanId}) not received`);
    assert.deepStrictEqual(got.span, want, `${protocol}: span ${want.name} differs`);
    assert.deepStrictEqual(got.resource, expectedResource, `${protocol}: resource differs`);
    assert.deepStrictEqual(got.scope, { name: 'clt.interop', version: '9.8.7' }, `${protocol}: scope differs`);
  }
  console.log(`ok ${protocol}: 5 spans, every field equal after official decoding`);
}

(async () => {
  const received = [];
  const onRequest = (message, transport, error) => received.push({ message, transport, error });
  const httpReceiver = await c.startHttpReceiver(onRequest);
  const grpcReceiver = await c.startGrpcReceiver(onRequest);
  try {
    await exportOnce('http/protobuf', `http://127.0.0.1:${httpReceiver.port}`, received);
    await exportOnce('grpc', `http://127.0.0.1:${grpcReceiver.port}`, received);
  } finally {
    httpReceiver.server.close();
    grpcReceiver.server.forceShutdown();
  }
})().catch((e) => {
  console.error(`FAIL: ${e.message}`);
  process.exit(1);
});
