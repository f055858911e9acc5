// One trace: a header, the span waterfall, and under every span with IOAM
// data its network path. A row expands to the span's attributes and events.
import * as api from './api.js';
import { h, replaceChildren } from './dom.js';
import { formatDuration, formatTime, plural } from './format.js';
import { buildTrace, traceTitle, waterfallOrder } from './model.js';
import { renderNetworkPath } from './network_path.js';
import { errorBox } from './search_view.js';
import { eventsTable, tagsTable } from './tables.js';
import { serviceColor } from './colors.js';

export async function renderTraceView(main, traceID, ctx, isCurrent = () => true) {
  replaceChildren(main, h('p', { class: 'loading' }, 'Loading trace…'));
  if (!/^[0-9a-fA-F]{1,32}$/.test(traceID)) {
    replaceChildren(main, errorBox(`"${traceID}" is not a trace id: expected up to 32 hexadecimal digits`));
    return;
  }
  let trace;
  try {
    trace = buildTrace(await api.trace(traceID));
  } catch (e) {
    if (isCurrent()) replaceChildren(main, errorBox(e.message));
    return;
  }
  if (!isCurrent()) return;
  document.title = `${traceTitle(trace)} · clt`;
  const onHop = (net, hop) => ctx.records.open(trace.traceID, net, hop);
  replaceChildren(main,
    h('div', { class: 'trace-view' },
      traceHeader(trace, ctx.lastSearch, ctx.slowUs),
      waterfall(trace, onHop)));
}

function traceHeader(trace, lastSearch, slowUs) {
  const net = trace.slowestNetwork;
  return h('header', { class: 'trace-head' },
    lastSearch ? h('a', { href: lastSearch, class: 'back', id: 'back-to-search' }, '← Search results') : null,
    h('h1', { id: 'trace-title' }, traceTitle(trace)),
    h('dl', { class: 'facts' },
      fact('Trace ID', h('span', { class: 'mono', id: 'trace-id' }, trace.traceID)),
      fact('Start', formatTime(trace.start)),
      fact('Duration', formatDuration(trace.duration)),
      fact('Services', String(trace.services.length)),
      fact('Spans', String(trace.appSpanCount)),
      fact('Network', net && net.slowestDelayUs !== null
        ? h('span', { class: net.slowestDelayUs >= slowUs ? 'slowest-text' : null }, `${plural(trace.networks.length, 'path')}, slowest hop ${net.slowestHop} ${formatDuration(net.slowestDelayUs)}`)
        : trace.networks.length ? plural(trace.networks.length, 'path') : 'no IOAM data')));
}

function fact(label, value) {
  return h('div', null, h('dt', null, label), h('dd', null, value));
}

function ruler(trace) {
  const ticks = [];
  for (let i = 0; i <= 4; i++) {
    ticks.push(h('span', { class: 'tick', style: { left: `${i * 25}%` } }, formatDuration((trace.duration * i) / 4)));
  }
  return h('div', { class: 'wf-row wf-ruler', 'aria-hidden': 'true' },
    h('div', { class: 'wf-name' }, 'Service · operation'),
    h('div', { class: 'wf-time' }, ticks));
}

function waterfall(trace, onHop) {
  const rows = waterfallOrder(trace);
  const list = h('div', { class: 'waterfall', role: 'region', 'aria-label': 'Spans' }, ruler(trace));
  for (const { span, depth } of rows) list.appendChild(spanRow(trace, span, depth, onHop));
  list.addEventListener('keydown', (e) => moveFocus(e, list));
  return list;
}

// Up/down arrows walk the rows, like a tree view.
function moveFocus(e, list) {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  const toggles = [...list.querySelectorAll('.wf-toggle')];
  const at = toggles.indexOf(document.activeElement);
  if (at < 0) return;
  e.preventDefault();
  const next = toggles[Math.min(toggles.length - 1, Math.max(0, at + (e.key === 'ArrowDown' ? 1 : -1)))];
  next.focus();
}

function spanRow(trace, span, depth, onHop) {
  const total = Math.max(trace.duration, 1);
  const left = ((span.startTime - trace.start) / total) * 100;
  const width = Math.max((span.duration / total) * 100, 0.3);
  const service = span.process.serviceName;
  const isNetwork = span.kind === 'network';
  const details = h('div', { class: 'wf-details', hidden: true });
  const toggle = h('button', {
    type: 'button', class: 'wf-toggle', 'aria-expanded': 'false',
    dataset: { navItem: '1', spanId: span.spanID },
    style: { 'padding-left': `${0.5 + depth * 1.1}rem` },
  },
  h('span', { class: 'caret', 'aria-hidden': 'true' }, '▸'),
  h('span', { class: 'svc', style: { '--c': serviceColor(service) } }, service),
  h('span', { class: 'op' }, span.operationName),
  span.hasError ? h('span', { class: 'flag error' }, 'error') : null);
  toggle.addEventListener('click', () => {
    const open = details.hidden;
    details.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open && !details.firstChild) details.appendChild(spanDetails(span));
  });
  const row = h('div', { class: ['wf-span', isNetwork && 'network', span.hasError && 'has-error'] },
    h('div', { class: 'wf-row' },
      h('div', { class: 'wf-name' }, toggle),
      h('div', { class: 'wf-time' },
        h('div', { class: 'bar', style: { left: `${left}%`, width: `${width}%`, '--c': serviceColor(service) } }),
        barLabel(left, width, formatDuration(span.duration)))),
    details);
  if (isNetwork && span.network) {
    row.appendChild(h('div', { class: 'wf-net', style: { 'margin-left': `${0.5 + depth * 1.1}rem` } },
      renderNetworkPath(span.network, (hop) => onHop(span.network, hop))));
  }
  return row;
}

function spanDetails(span) {
  return h('div', { class: 'span-details' },
    h('dl', { class: 'facts small' },
      fact('Span ID', h('span', { class: 'mono' }, span.spanID)),
      fact('Parent', h('span', { class: 'mono' }, span.parent ? span.parent.spanID : '—')),
      fact('Start', formatTime(span.startTime)),
      fact('Duration', formatDuration(span.duration))),
    h('div', { class: 'detail-grid' },
      h('section', null, h('h3', null, 'Attributes'), tagsTable(span.tags)),
      h('section', null, h('h3', null, 'Events'), eventsTable(span.logs, span.startTime)),
      h('section', null, h('h3', null, `Process: ${span.process.serviceName}`), tagsTable(span.process.tags))));
}

// After the bar when there is room, else before it, else inside its end.
function barLabel(left, width, text) {
  if (left + width <= 85) return h('span', { class: 'bar-label', style: { left: `${left + width + 0.5}%` } }, text);
  if (left >= 15) return h('span', { class: 'bar-label', style: { right: `${100 - left + 0.5}%` } }, text);
  return h('span', { class: 'bar-label inside', style: { right: `${100 - left - width + 0.5}%` } }, text);
}
