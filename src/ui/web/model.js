import { interfaceText } from './format.js';

// Turns a Jaeger-format trace into the structure the views draw: a span tree,
// and for every application span that has IOAM data its network span and hops.
// Tag names are the collector's output contract (ioam.kind, ioam.delay_us...).

export function tagMap(tags) {
  const map = new Map();
  for (const t of tags || []) map.set(t.key, t.value);
  return map;
}

function num(v) {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

// All ones is IOAM's "unavailable" for a 32-bit field.
function available(n) {
  return n === 0xffffffff ? null : n;
}

function bool(v) {
  return v === true || v === 'true';
}

export function parentId(span) {
  const ref = (span.references || []).find((r) => r.refType === 'CHILD_OF') || (span.references || [])[0];
  return ref ? ref.spanID : null;
}

function hopFrom(span) {
  const t = tagMap(span.tags);
  const hop = num(t.get('ioam.hop'));
  const nodeId = num(t.get('ioam.node_id'));
  return {
    span,
    hop,
    nodeId,
    name: String(t.get('net.node.name') ?? (nodeId !== null ? `node ${nodeId}` : `hop ${hop}`)),
    namespaceId: num(t.get('ioam.namespace_id')),
    hopLimit: num(t.get('ioam.hop_limit')),
    ingressId: num(t.get('ioam.ingress_id')),
    egressId: num(t.get('ioam.egress_id')),
    queueDepth: available(num(t.get('ioam.queue_depth'))),
    namespaceData: t.has('ioam.namespace_data') ? String(t.get('ioam.namespace_data')) : null,
    packets: num(t.get('ioam.packets')),
    delayUs: num(t.get('ioam.delay_us')),
    // From the span summaries' delay sketches (1% relative error); absent on
    // spans the collector summarized from per-packet reports.
    delayP90Us: num(t.get('ioam.delay_p90_us')),
    delayP99Us: num(t.get('ioam.delay_p99_us')),
    slowest: false,
  };
}

function networkFrom(span, hopSpans) {
  const t = tagMap(span.tags);
  const hops = hopSpans.map(hopFrom).sort((a, b) => (a.hop ?? 0) - (b.hop ?? 0));
  let slowest = null;
  for (const h of hops) {
    if (h.delayUs !== null && (slowest === null || h.delayUs > slowest.delayUs)) slowest = h;
  }
  if (slowest) slowest.slowest = true;
  const slowestDelay = num(t.get('ioam.slowest_hop_delay_us'));
  return {
    span,
    hops,
    packets: num(t.get('ioam.packets')),
    path: t.has('ioam.path') ? String(t.get('ioam.path')) : hops.map((h) => h.name).join(' > '),
    slowestHop: t.has('ioam.slowest_hop') ? String(t.get('ioam.slowest_hop')) : slowest ? slowest.name : null,
    slowestDelayUs: slowestDelay ?? (slowest ? slowest.delayUs : null),
    overflow: bool(t.get('ioam.overflow')),
    idsLost: bool(t.get('ioam.ids_lost')),
    direction: directionOf(t),
  };
}

// 'request' (client to server) or 'response' (server back to the client);
// a network span without the tag (an older collector) is a request.
function directionOf(tags) {
  return tags.get('ioam.direction') === 'response' ? 'response' : 'request';
}

// Siblings by start, and a request before its response when they tie.
function siblingOrder(a, b) {
  const byStart = a.startTime - b.startTime;
  if (byStart !== 0 || !a.network || !b.network) return byStart;
  return (a.network.direction === 'response') - (b.network.direction === 'response');
}

export function kindOf(span) {
  const k = tagMap(span.tags).get('ioam.kind');
  return k === 'network' || k === 'hop' ? k : 'app';
}

export function buildTrace(raw) {
  const processes = raw.processes || {};
  const spans = (raw.spans || []).map((s) => ({ ...s }));
  const byId = new Map(spans.map((s) => [s.spanID, s]));
  for (const s of spans) {
    s.process = processes[s.processID] || s.process || { serviceName: 'unknown', tags: [] };
    s.kind = kindOf(s);
    s.children = [];
    s.network = null;
    s.hasError = tagMap(s.tags).get('error') === true || tagMap(s.tags).get('error') === 'true' ||
      tagMap(s.tags).get('otel.status_code') === 'ERROR';
  }
  const roots = [];
  for (const s of spans) {
    const p = parentId(s);
    const parent = p ? byId.get(p) : null;
    s.parent = parent || null;
    if (parent) parent.children.push(s);
    else roots.push(s);
  }
  const networks = [];
  for (const s of spans) {
    if (s.kind !== 'network') continue;
    const net = networkFrom(s, s.children.filter((c) => c.kind === 'hop'));
    s.network = net;
    net.appSpan = s.parent;
    if (s.parent) s.parent.networkSpans = [...(s.parent.networkSpans || []), s];
    networks.push(net);
  }
  roots.sort(siblingOrder);
  for (const s of spans) s.children.sort(siblingOrder);
  // The request path above the response path.
  for (const s of spans) if (s.networkSpans) s.networkSpans.sort(siblingOrder);

  const start = Math.min(...spans.map((s) => s.startTime));
  const end = Math.max(...spans.map((s) => s.startTime + s.duration));
  const appRoots = roots.filter((s) => s.kind === 'app');
  const root = appRoots[0] || roots[0] || null;
  let slowest = null;
  for (const n of networks) {
    if (n.slowestDelayUs !== null && (slowest === null || n.slowestDelayUs > slowest.slowestDelayUs)) slowest = n;
  }
  const services = new Set(spans.filter((s) => s.kind === 'app').map((s) => s.process.serviceName));
  return {
    traceID: raw.traceID || (spans[0] && spans[0].traceID) || '',
    spans,
    byId,
    roots,
    root,
    start: spans.length ? start : 0,
    duration: spans.length ? end - start : 0,
    networks,
    slowestNetwork: slowest,
    services: [...services],
    appSpanCount: spans.filter((s) => s.kind === 'app').length,
    errorCount: spans.filter((s) => s.hasError).length,
  };
}

// Depth-first order for the waterfall; hop spans are drawn inside their
// network span's path diagram instead of as rows of their own.
export function waterfallOrder(trace) {
  const rows = [];
  const visit = (s, depth) => {
    if (s.kind === 'hop') return;
    rows.push({ span: s, depth });
    for (const c of s.children) visit(c, depth + 1);
  };
  for (const r of trace.roots) visit(r, 0);
  return rows;
}

export function traceTitle(trace) {
  if (!trace.root) return 'empty trace';
  return `${trace.root.process.serviceName}: ${trace.root.operationName}`;
}

// A link of the network path, identified by the nodes and interfaces at both ends.
export function linkKey(prev, hop) {
  const from = prev ? `${prev.name} (if ${interfaceText(prev.egressId)})` : '?';
  return `${from} → ${hop.name} (if ${interfaceText(hop.ingressId)})`;
}

// Across many traces: every link with its delays, ranked slowest first by
// p95, so a link congested in only some of the traces still comes first.
// slowUs: the delay from which a trace counts as slow on that link.
export function rankLinks(traces, slowUs = Infinity) {
  const links = new Map();
  for (const trace of traces) {
    for (const net of trace.networks) {
      net.hops.forEach((hop, i) => {
        if (hop.delayUs === null) return;
        const prev = i > 0 ? net.hops[i - 1] : null;
        const key = linkKey(prev, hop);
        let l = links.get(key);
        if (!l) {
          l = {
            key,
            from: prev ? prev.name : '?',
            fromIf: prev ? prev.egressId : null,
            to: hop.name,
            toIf: hop.ingressId,
            delays: [],
            maxQueue: null,
            packets: 0,
            traceIDs: new Set(),
            slowTraceIDs: new Set(),
            worst: null,
          };
          links.set(key, l);
        }
        l.delays.push(hop.delayUs);
        if (hop.queueDepth !== null) l.maxQueue = Math.max(l.maxQueue ?? 0, hop.queueDepth);
        l.packets += hop.packets ?? 0;
        l.traceIDs.add(trace.traceID);
        if (hop.delayUs >= slowUs) l.slowTraceIDs.add(trace.traceID);
        if (!l.worst || hop.delayUs > l.worst.delayUs) l.worst = { delayUs: hop.delayUs, traceID: trace.traceID };
      });
    }
  }
  const ranked = [...links.values()].map((l) => {
    const sorted = [...l.delays].sort((a, b) => a - b);
    return {
      ...l,
      samples: sorted.length,
      median: quantile(sorted, 0.5),
      p95: quantile(sorted, 0.95),
      max: sorted[sorted.length - 1],
      traces: l.traceIDs.size,
      slowTraces: l.slowTraceIDs.size,
    };
  });
  ranked.sort((a, b) => b.p95 - a.p95 || b.median - a.median || b.max - a.max);
  return ranked;
}

function quantile(sorted, q) {
  if (!sorted.length) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
