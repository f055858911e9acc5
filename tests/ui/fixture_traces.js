// FIXTURE (not the collector): canned Jaeger-format traces shaped like the
// collector's output contract (network span + hop spans with the ioam.* tags),
// for developing the UI without a running collector. Times are relative to
// `nowUs` so the UI's default time range finds them.
'use strict';

const NODES = { 1: 'athos', 2: 'porthos', 3: 'aramis' };
const XSS_NAME = '<img src=x onerror=alert(1)>';
const XSS_VALUE = '"><script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">';

function hex(n, width) {
  return n.toString(16).padStart(width, '0');
}

function tag(key, value) {
  const type = typeof value === 'boolean' ? 'bool' : typeof value === 'number' ? (Number.isInteger(value) ? 'int64' : 'float64') : 'string';
  return { key, type, value };
}

// One trace: frontend /api/request -> athos calls check and validate on aramis
// through porthos; `delays` = one-way delay per link in µs for hop 2 and 3.
function makeTrace(i, nowUs, { delays, name, attrValue }) {
  const traceID = hex(0xabc00000 + i, 16) + hex(0x1000 + i, 16);
  const start = nowUs - (i + 1) * 60e6;
  const spans = [];
  let next = 1;
  const sid = () => hex(i * 256 + next++, 16);
  const rootId = sid();
  const total = 20000 + delays[0] + delays[1] + i * 1000;
  spans.push({
    traceID, spanID: rootId, operationName: name || 'GET /api/request', references: [],
    startTime: start, duration: total, processID: 'p1',
    tags: [tag('span.kind', 'server'), tag('http.method', 'GET'), tag('http.status_code', 200),
      ...(attrValue ? [tag('user.comment', attrValue)] : [])],
    logs: [{ timestamp: start + 500, fields: [tag('event', 'request received'), tag('bytes', 512)] }],
    warnings: null,
  });
  ['/check', '/validate'].forEach((op, k) => {
    const clientId = sid();
    const cStart = start + 1000 + k * (total / 2);
    const cDur = total / 2 - 2000;
    spans.push({
      traceID, spanID: clientId, operationName: `GET ${op}`,
      references: [{ refType: 'CHILD_OF', traceID, spanID: rootId }],
      startTime: cStart, duration: cDur, processID: 'p1',
      tags: [tag('span.kind', 'client'), tag('http.url', `http://[fd00:2::2]:8080${op}`), tag('clt.enabled', true)],
      logs: [], warnings: null,
    });
    spans.push({
      traceID, spanID: sid(), operationName: `GET ${op}`,
      references: [{ refType: 'CHILD_OF', traceID, spanID: clientId }],
      startTime: cStart + delays[0] + delays[1] + 200, duration: cDur - 2 * (delays[0] + delays[1]) - 400 > 0 ? cDur - 2 * (delays[0] + delays[1]) - 400 : 1000,
      processID: 'p2', tags: [tag('span.kind', 'server'), tag('http.status_code', 200)], logs: [], warnings: null,
    });
    const netId = sid();
    const packets = 6 + k;
    const slowestIdx = delays[0] >= delays[1] ? 0 : 1;
    const slowestNode = NODES[slowestIdx + 2];
    spans.push({
      traceID, spanID: netId, operationName: 'network path',
      references: [{ refType: 'CHILD_OF', traceID, spanID: clientId }],
      startTime: cStart + 100, duration: cDur - 200, processID: 'p3',
      tags: [tag('ioam.kind', 'network'), tag('ioam.packets', packets), tag('ioam.path', 'athos > porthos > aramis'),
        tag('ioam.slowest_hop', slowestNode), tag('ioam.slowest_hop_delay_us', delays[slowestIdx]),
        tag('ioam.overflow', false), tag('ioam.ids_lost', false)],
      logs: [], warnings: null,
    });
    for (let hop = 1; hop <= 3; hop++) {
      const node = hop;
      const hopTags = [tag('ioam.kind', 'hop'), tag('ioam.hop', hop), tag('ioam.node_id', node), tag('ioam.namespace_id', 123),
        tag('ioam.hop_limit', 65 - hop), tag('ioam.ingress_id', hop === 1 ? 0 : node * 10 + 1),
        tag('ioam.egress_id', hop === 3 ? 0 : node * 10 + (node === 2 ? 2 : 1)),
        tag('ioam.queue_depth', hop === 2 ? Math.round(delays[0] / 100) : 0),
        tag('ioam.namespace_data', hex(0xa0000000 + node, 8)), tag('ioam.packets', packets), tag('net.node.name', NODES[node])];
      if (hop > 1) hopTags.push(tag('ioam.delay_us', delays[hop - 2]));
      spans.push({
        traceID, spanID: sid(), operationName: `hop ${hop} ${NODES[node]}`,
        references: [{ refType: 'CHILD_OF', traceID, spanID: netId }],
        startTime: cStart + 100, duration: cDur - 200, processID: 'p3', tags: hopTags, logs: [], warnings: null,
      });
    }
  });
  return {
    traceID, spans, warnings: null,
    processes: {
      p1: { serviceName: 'athos', tags: [tag('host.name', 'athos')] },
      p2: { serviceName: 'aramis', tags: [tag('host.name', 'aramis')] },
      p3: { serviceName: 'ioam', tags: [] },
    },
  };
}

function makeFixtureTraces(nowUs) {
  return [
    makeTrace(0, nowUs, { delays: [48000, 90] }),
    makeTrace(1, nowUs, { delays: [120, 85] }),
    makeTrace(2, nowUs, { delays: [52000, 110] }),
    makeTrace(3, nowUs, { delays: [95, 70] }),
    makeTrace(4, nowUs, { delays: [140, 95], name: XSS_NAME, attrValue: XSS_VALUE }),
  ];
}

// Raw records for a span, in the format of a `clt decode` line.
function makeRecords(trace, spanID) {
  const net = trace.spans.find((s) => s.references.some((r) => r.spanID === spanID) && s.operationName === 'network path');
  if (!net) return [];
  const n = net.tags.find((t) => t.key === 'ioam.packets').value;
  const records = [];
  for (let p = 0; p < n; p++) {
    records.push({
      frame: p + 1, time: (net.startTime / 1e6 + p * 0.001).toFixed(6), src: 'fd00:1::1', dst: 'fd00:2::2',
      namespace: 123, trace_type: '0xf20000', node_len: 5, flags: { overflow: false, loopback: false, active: false },
      remaining_len: 6, trace_id: trace.traceID, span_id: spanID, ids_intact: true,
      nodes: [1, 2, 3].map((node) => ({
        hop_limit: 65 - node, id: node, ingress_id: node === 1 ? 0 : node * 10 + 1, egress_id: node === 3 ? 0 : node * 10 + 2,
        timestamp_secs: 1700000000, timestamp_frac: 1000 * p + node * 10, namespace_data: hex(0xa0000000 + node, 8),
        queue_depth: node === 2 ? p : 0,
      })),
    });
  }
  return records;
}

module.exports = { makeFixtureTraces, makeRecords, XSS_NAME, XSS_VALUE };
