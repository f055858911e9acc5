// The UI's data logic outside the browser (node's test runner): parsing the
// search form, and turning Jaeger traces into network paths and link rankings.
//   node --experimental-default-type=module --test tests/ui/ui_model_test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, interfaceText, parseDuration, shortId } from '../../src/ui/web/format.js';
import { buildTrace, rankLinks, waterfallOrder } from '../../src/ui/web/model.js';
import { directionLabel, tailText } from '../../src/ui/web/network_path.js';
import { apiQueryFromFormParams, parseTags, urlFromFormParams } from '../../src/ui/web/query.js';

const tag = (key, value) => ({ key, value, type: typeof value === 'number' ? 'int64' : 'string' });

function trace(traceID, delays, { parent = 'a1', withApp = true } = {}) {
  const spans = [];
  if (withApp) {
    spans.push({ traceID, spanID: 'a1', operationName: 'GET /', references: [], startTime: 1000, duration: 500, processID: 'p1', tags: [] });
  }
  spans.push({
    traceID, spanID: 'n1', operationName: 'network path', processID: 'p2', startTime: 1100, duration: 100,
    references: parent ? [{ refType: 'CHILD_OF', traceID, spanID: parent }] : [],
    tags: [tag('ioam.kind', 'network'), tag('ioam.packets', 3), tag('ioam.path', 'athos > porthos > aramis')],
  });
  ['athos', 'porthos', 'aramis'].forEach((name, i) => {
    const tags = [tag('ioam.kind', 'hop'), tag('ioam.hop', i + 1), tag('ioam.node_id', i + 1), tag('net.node.name', name),
      tag('ioam.ingress_id', i === 0 ? 0xffff : 10 * (i + 1) + 1), tag('ioam.egress_id', 10 * (i + 1) + 2),
      tag('ioam.queue_depth', i === 2 ? 0xffffffff : 7)];
    if (i > 0) tags.push(tag('ioam.delay_us', delays[i - 1]));
    spans.push({ traceID, spanID: `h${i + 1}`, operationName: `hop ${i + 1} ${name}`, processID: 'p2', startTime: 1100,
      duration: 100, references: [{ refType: 'CHILD_OF', traceID, spanID: 'n1' }], tags });
  });
  return { traceID, spans, processes: { p1: { serviceName: 'athos', tags: [] }, p2: { serviceName: 'ioam', tags: [] } } };
}

test('tags: key=value pairs, quoted values, clear errors', () => {
  assert.deepEqual(parseTags(''), {});
  assert.deepEqual(parseTags('a=1 b="x y"  c=<img>'), { a: '1', b: 'x y', c: '<img>' });
  assert.throws(() => parseTags('a=1 oops'), /expected key=value at "oops"/);
});

test('durations: units, bare numbers are milliseconds, nonsense is refused', () => {
  assert.equal(parseDuration('300us'), 300);
  assert.equal(parseDuration('1.5s'), 1_500_000);
  assert.equal(parseDuration('250'), 250_000);
  assert.equal(parseDuration(''), null);
  assert.throws(() => parseDuration('fast'), /not a duration/);
  assert.equal(formatDuration(48000), '48 ms');
  assert.equal(formatDuration(90), '90 µs');
  assert.equal(formatDuration(1_500_000), '1.5 s');
});

test('search form <-> URL <-> API query', () => {
  const params = { service: 'athos', operation: '', tags: 'http.status_code=500', lookback: '1h', start: '', end: '',
    minDuration: '100ms', maxDuration: '', limit: '20', slowMs: '10' };
  assert.equal(urlFromFormParams('search', params), '/search?service=athos&tags=http.status_code%3D500&minDuration=100ms');
  const q = apiQueryFromFormParams(params, 1_000_000);
  assert.equal(q.end - q.start, 3600e6);
  assert.equal(q.minDuration, 100_000);
  assert.deepEqual(q.tags, { 'http.status_code': '500' });
  assert.throws(() => apiQueryFromFormParams({ ...params, minDuration: '2s', maxDuration: '1s' }), /max duration/);
  assert.throws(() => apiQueryFromFormParams({ ...params, service: '' }), /choose a service/);
});

test('a network span and its hops hang under the application span', () => {
  const t = buildTrace(trace('t1', [48000, 90]));
  assert.equal(t.networks.length, 1);
  const net = t.networks[0];
  assert.equal(net.appSpan.spanID, 'a1');
  assert.deepEqual(net.hops.map((h) => h.name), ['athos', 'porthos', 'aramis']);
  assert.equal(net.hops.find((h) => h.slowest).name, 'porthos');
  assert.equal(net.slowestDelayUs, 48000);
  assert.equal(net.hops[2].queueDepth, null, 'all-ones queue depth is unavailable');
  assert.equal(interfaceText(net.hops[0].ingressId), 'n/a');
  // Hops are drawn in the path diagram, not as waterfall rows.
  assert.deepEqual(waterfallOrder(t).map((r) => r.span.spanID), ['a1', 'n1']);
  assert.equal(t.appSpanCount, 1);
});

// The trace above plus the response path of the same client span (aramis back
// to athos), as the collector renders it: a second network span, tagged.
function withResponse(raw, { start = 1300, tagged = true } = {}) {
  const traceID = raw.traceID;
  raw.spans.find((s) => s.spanID === 'n1').tags.push(tag('ioam.direction', 'request'));
  raw.spans.push({
    traceID, spanID: 'r1', operationName: 'network path', processID: 'p2', startTime: start, duration: 50,
    references: [{ refType: 'CHILD_OF', traceID, spanID: 'a1' }],
    tags: [tag('ioam.kind', 'network'), ...(tagged ? [tag('ioam.direction', 'response')] : []),
      tag('ioam.path', 'aramis > porthos > athos')],
  });
  ['aramis', 'porthos', 'athos'].forEach((name, i) => {
    const tags = [tag('ioam.kind', 'hop'), tag('ioam.hop', i + 1), tag('ioam.node_id', 3 - i), tag('net.node.name', name)];
    if (i > 0) tags.push(tag('ioam.delay_us', 70 - 30 * i));
    // Listed out of order: the hop number decides.
    raw.spans.splice(raw.spans.length - i, 0, { traceID, spanID: `rh${i + 1}`, operationName: `hop ${i + 1} ${name}`,
      processID: 'p2', startTime: start, duration: 50, references: [{ refType: 'CHILD_OF', traceID, spanID: 'r1' }], tags });
  });
  return raw;
}

test('both directions: a request path and a response path under the client span', () => {
  const t = buildTrace(withResponse(trace('t6', [48000, 90])));
  assert.deepEqual(t.networks.map((n) => n.direction), ['request', 'response']);
  const back = t.networks[1];
  assert.equal(back.appSpan.spanID, 'a1');
  assert.deepEqual(back.hops.map((h) => h.name), ['aramis', 'porthos', 'athos'], 'the response in its own path order');
  assert.equal(back.hops.find((h) => h.slowest).name, 'porthos');
  assert.deepEqual(t.byId.get('a1').networkSpans.map((s) => s.spanID), ['n1', 'r1'], 'request above response');
  assert.deepEqual(waterfallOrder(t).map((r) => r.span.spanID), ['a1', 'n1', 'r1']);
  assert.equal(directionLabel(t.networks[0].direction), 'Request path');
  assert.equal(directionLabel(back.direction), 'Response path');
});

test('a request and its response starting together: the request first; no tag: a request', () => {
  const raw = withResponse(trace('t7', [5, 6]), { start: 1100 });
  raw.spans.reverse();  // the response listed first
  const tied = buildTrace(raw);
  assert.deepEqual(waterfallOrder(tied).map((r) => r.span.spanID), ['a1', 'n1', 'r1']);
  const old = buildTrace(withResponse(trace('t8', [5, 6]), { tagged: false }));
  assert.deepEqual(old.networks.map((n) => n.direction), ['request', 'request'],
    'a network span from a collector without directions is a request');
});

test('hop delay percentiles from the summaries\' sketches, when the hop span has them', () => {
  const raw = trace('t5', [48000, 90]);
  raw.spans.find((s) => s.spanID === 'h2').tags.push(tag('ioam.delay_p90_us', 52000), tag('ioam.delay_p99_us', 61000));
  const hops = buildTrace(raw).networks[0].hops;
  assert.equal(hops[1].delayP90Us, 52000);
  assert.equal(hops[1].delayP99Us, 61000);
  assert.equal(tailText(hops[1]), 'p90 52 ms · p99 61 ms');
  assert.equal(hops[2].delayP99Us, null, 'a per-packet summary has no percentiles');
  assert.equal(tailText(hops[2]), null);
});

test('a network span without its application span still shows its path', () => {
  const t = buildTrace(trace('t2', [5, 6], { parent: null, withApp: false }));
  assert.equal(t.roots.length, 1);
  assert.equal(t.networks[0].appSpan, null);
  assert.equal(t.networks[0].slowestHop, 'aramis');
});

test('links ranked by p95 across traces; slow traces counted', () => {
  const traces = [
    buildTrace(trace('t1', [100, 40000])),
    buildTrace(trace('t2', [120, 50])),
    buildTrace(trace('t3', [110, 60])),
  ];
  const links = rankLinks(traces, 10_000);
  assert.equal(links.length, 2);
  assert.equal(links[0].to, 'aramis');
  assert.equal(links[0].slowTraces, 1);
  assert.equal(links[0].max, 40000);
  assert.equal(links[0].worst.traceID, 't1');
  assert.equal(links[1].median, 110);
  assert.equal(links[1].fromIf, 12);
  assert.equal(shortId('0000000000000000abcdef0123456789'), 'abcdef01');
});
