// Loads a running `clt collector` through its real receivers: application
// spans over OTLP/HTTP (JSON, as the OpenTelemetry spec encodes it) and IOAM
// reports over gRPC (ioam_api.IOAMService/Report, from the published proto).
// Every client span gets a request path (athos to aramis) and a response
// path (aramis back to athos, reported with Direction = response, as the
// agent on athos does). Returns what the UI should then show.
'use strict';
const path = require('path');
const grpc = require('../js/node_modules/@grpc/grpc-js');
const protoLoader = require('../js/node_modules/@grpc/proto-loader');

const XSS_NAME = '<img src=x onerror=alert(1)>';
const XSS_VALUE = '"><script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">';
const NODES = [
  { id: 1, name: 'athos', ingress: 0, egress: 11 },
  { id: 2, name: 'porthos', ingress: 21, egress: 22 },
  { id: 3, name: 'aramis', ingress: 31, egress: 0 },
];
// The way back: aramis sends, porthos forwards the other way, athos receives.
const BACK = [
  { id: 3, name: 'aramis', ingress: 0, egress: 31 },
  { id: 2, name: 'porthos', ingress: 22, egress: 21 },
  { id: 1, name: 'athos', ingress: 11, egress: 0 },
];
const BACK_DELAYS = [70, 40];
const RESPONSE_PACKETS = 3;
// Trace type bits 0-3, 5, 6: hop limit + node id, interfaces, timestamps
// (seconds, fraction in µs), namespace data, queue depth.
const TRACE_TYPE = 0xf60000;

function hex(n, width) {
  return n.toString(16).padStart(width, '0');
}

function attr(key, value) {
  if (typeof value === 'number') return { key, value: { intValue: String(value) } };
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  return { key, value: { stringValue: value } };
}

// delays: one-way delay in µs of the link into porthos and into aramis.
function planTrace(i, nowUs, { delays, queue, name, maliciousValue }) {
  const traceId = `${hex(0xc17 + i, 8)}${hex(0x5eed0000 + i, 8)}${hex(0xa11ce000 + i, 8)}${hex(0xb0b00000 + i, 8)}`;
  const start = nowUs - (i + 1) * 30e6;
  const rootId = hex(0x1000000 + i * 16 + 1, 16);
  const oneWay = delays[0] + delays[1];
  const athos = [];
  const aramis = [];
  const packets = [];
  // Two sequential sub-requests: request over the path, server work, response.
  let at = start + 1000;
  ['/check', '/validate'].forEach((op, k) => {
    const clientId = hex(0x1000000 + i * 16 + 2 + k * 2, 16);
    const cStart = at;
    const sStart = cStart + oneWay + 300;
    const sEnd = sStart + 6000 + i * 700 + k * 1500;
    const cEnd = sEnd + oneWay + 300;
    at = cEnd + 800;
    athos.push({ traceId, spanId: clientId, parentSpanId: rootId, name: `GET ${op}`, kind: 3, start: cStart, end: cEnd,
      attributes: [attr('http.method', 'GET'), attr('http.url', `http://[fd00:2::2]:8080${op}`)], events: [] });
    aramis.push({ traceId, spanId: hex(0x1000000 + i * 16 + 3 + k * 2, 16), parentSpanId: clientId, name: `GET ${op}`,
      kind: 2, start: sStart, end: sEnd, attributes: [attr('http.status_code', 200)], events: [] });
    const count = 6 + k;
    for (let p = 0; p < count; p++) {
      const t0 = cStart + 100 + p * 40;
      const times = [t0, t0 + delays[0], t0 + delays[0] + delays[1]];
      packets.push({ traceId, spanId: clientId, nodes: NODES.map((n, h) => ({
        HopLimit: 64 - h, Id: n.id, IngressId: n.ingress, EgressId: n.egress,
        TimestampSecs: Math.floor(times[h] / 1e6), TimestampFrac: times[h] % 1e6,
        QueueDepth: h === 1 ? Math.round((queue * (p + 1)) / count) : 0,
        NamespaceData: Buffer.from(hex(0xa0000000 + n.id, 8), 'hex'),
      })) });
    }
    for (let p = 0; p < RESPONSE_PACKETS; p++) {
      const t0 = sEnd + 50 + p * 40;
      const times = [t0, t0 + BACK_DELAYS[0], t0 + BACK_DELAYS[0] + BACK_DELAYS[1]];
      packets.push({ traceId, spanId: clientId, direction: 'CLT_DIRECTION_RESPONSE', nodes: BACK.map((n, h) => ({
        HopLimit: 64 - h, Id: n.id, IngressId: n.ingress, EgressId: n.egress,
        TimestampSecs: Math.floor(times[h] / 1e6), TimestampFrac: times[h] % 1e6, QueueDepth: 0,
        NamespaceData: Buffer.from(hex(0xa0000000 + n.id, 8), 'hex'),
      })) });
    }
  });
  athos.unshift({
    traceId, spanId: rootId, name: name || 'GET /api/request', kind: 2, start, end: at + 500,
    attributes: [attr('http.method', 'GET'), attr('http.route', '/api/request'), attr('http.status_code', 200),
      ...(maliciousValue ? [attr('user.comment', maliciousValue)] : [])],
    events: [{ timeUnixNano: String((start + 300) * 1000), name: 'request received', attributes: [attr('bytes', 512)] }],
  });
  return { traceId, athos, aramis, packets };
}

function otlpSpan(s) {
  return {
    traceId: s.traceId, spanId: s.spanId, ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    name: s.name, kind: s.kind,
    startTimeUnixNano: String(Math.round(s.start) * 1000), endTimeUnixNano: String(Math.round(s.end) * 1000),
    attributes: s.attributes, events: s.events, status: {},
  };
}

async function postOtlp(otlpUrl, plans) {
  const resource = (service) => ({ attributes: [attr('service.name', service), attr('host.name', service)] });
  const body = {
    resourceSpans: [
      { resource: resource('athos'), scopeSpans: [{ scope: { name: 'clt-ui-test' }, spans: plans.flatMap((p) => p.athos.map(otlpSpan)) }] },
      { resource: resource('aramis'), scopeSpans: [{ scope: { name: 'clt-ui-test' }, spans: plans.flatMap((p) => p.aramis.map(otlpSpan)) }] },
    ],
  };
  const res = await fetch(`${otlpUrl}/v1/traces`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`OTLP/HTTP export: ${res.status} ${text}`);
  const reply = JSON.parse(text || '{}');
  if (reply.partialSuccess && Number(reply.partialSuccess.rejectedSpans || 0) > 0) {
    throw new Error(`OTLP/HTTP export rejected spans: ${text}`);
  }
}

async function sendIoamReports(ioamAddress, plans) {
  const def = protoLoader.loadSync(path.join(__dirname, '..', '..', 'proto', 'ioam_api.proto'),
    { keepCase: true, longs: String, defaults: true });
  const { ioam_api } = grpc.loadPackageDefinition(def);
  const client = new ioam_api.IOAMService(ioamAddress, grpc.credentials.createInsecure());
  try {
    await new Promise((resolve, reject) => {
      const call = client.Report((err) => (err ? reject(new Error(`IOAM gRPC Report: ${err.message}`)) : resolve()));
      for (const plan of plans) {
        for (const pkt of plan.packets) {
          call.write({
            TraceId_High: BigInt(`0x${pkt.traceId.slice(0, 16)}`).toString(),
            TraceId_Low: BigInt(`0x${pkt.traceId.slice(16)}`).toString(),
            SpanId: BigInt(`0x${pkt.spanId}`).toString(),
            NamespaceId: 123,
            BitField: TRACE_TYPE * 256,
            Nodes: pkt.nodes,
            Direction: pkt.direction || 'CLT_DIRECTION_REQUEST',
          });
        }
      }
      call.end();
    });
  } finally {
    client.close();
  }
}

// queryHeaders: sent with each query (the bearer token of a collector with
// --auth-token-file).
async function loadCollector({ otlpUrl, ioamAddress, queryUrl, queryHeaders = {}, nowUs = Date.now() * 1000 }) {
  const plans = [
    planTrace(0, nowUs, { delays: [48000, 90], queue: 480 }),
    planTrace(1, nowUs, { delays: [120, 85], queue: 2 }),
    planTrace(2, nowUs, { delays: [52000, 110], queue: 520 }),
    planTrace(3, nowUs, { delays: [95, 70], queue: 1 }),
    planTrace(4, nowUs, { delays: [140, 95], queue: 3, name: XSS_NAME, maliciousValue: XSS_VALUE }),
  ];
  await postOtlp(otlpUrl, plans);
  await sendIoamReports(ioamAddress, plans);
  // The collector writes a span's network summary once its packets stop.
  const deadline = Date.now() + 20000;
  for (const plan of plans) {
    for (;;) {
      const res = await fetch(`${queryUrl}/api/traces/${plan.traceId}`, { headers: queryHeaders });
      const body = res.status === 200 ? await res.json() : null;
      const spans = body && body.data && body.data[0] ? body.data[0].spans : [];
      const hops = spans.filter((s) => s.tags.some((t) => t.key === 'ioam.kind' && t.value === 'hop'));
      if (hops.length === 12 && spans.length === 5 + 4 + 12) break;
      if (Date.now() > deadline) {
        throw new Error(`trace ${plan.traceId} not complete in the collector after 20 s: ${spans.length} spans, ${hops.length} hop spans`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    service: 'athos',
    traceIds: plans.map((p) => p.traceId),
    slowTraceId: plans[0].traceId,
    fastTraceId: plans[1].traceId,
    xssTraceId: plans[4].traceId,
    xssName: XSS_NAME,
    maliciousValue: XSS_VALUE,
    slowHop: 'porthos',
    slowHopIngress: 21,
    slowHopQueue: 480,
    slowDelayText: '48 ms',
    linkDelayTexts: ['48 ms', '90 µs'],
    pathNodes: NODES.map((n) => n.name),
    responsePathNodes: BACK.map((n) => n.name),
    responseDelayTexts: BACK_DELAYS.map((d) => `${d} µs`),
    packetsPerSpan: 6,
    responsePackets: RESPONSE_PACKETS,
    slowLinkName: 'athos → porthos',
    slowLinkSlowTraces: '2 of 5',
    slowTraceCount: 2,
    slowLinkMaxText: '52 ms',
    rootAttribute: 'http.method',
    rootEvent: 'request received',
  };
}

module.exports = { loadCollector };
