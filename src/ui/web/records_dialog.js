// The raw per-packet IOAM records behind one hop, in a modal dialog.
import * as api from './api.js';
import { h, replaceChildren } from './dom.js';
import { formatDuration } from './format.js';
import { tagsTable } from './tables.js';

const NODE_COLUMNS = [
  ['hop_limit', 'hop limit'], ['id', 'node id'], ['ingress_id', 'ingress'], ['egress_id', 'egress'],
  ['timestamp_secs', 'ts secs'], ['timestamp_frac', 'ts frac'], ['queue_depth', 'queue'],
  ['namespace_data', 'ns data'], ['id_wide', 'wide id'], ['namespace_data_wide', 'ns data wide'],
];

export class RecordsDialog {
  constructor(dialog) {
    this.dialog = dialog;
    dialog.addEventListener('click', (e) => {
      if (e.target === dialog) dialog.close();  // a click on the backdrop
    });
  }

  async open(traceID, net, hop) {
    const body = h('div', { class: 'dialog-body' }, h('p', { class: 'loading' }, 'Loading raw records…'));
    replaceChildren(this.dialog,
      h('div', { class: 'dialog-head' },
        h('h2', { id: 'records-title' }, `Hop ${hop.hop ?? '?'}: ${hop.name}`),
        h('span', { class: 'muted' }, hop.delayUs !== null ? `one-way delay ${formatDuration(hop.delayUs)}` : 'first node'),
        h('span', { class: 'spacer' }),
        h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => this.dialog.close() }, '✕')),
      body);
    this.dialog.setAttribute('aria-labelledby', 'records-title');
    if (!this.dialog.open) this.dialog.showModal();
    const spanID = net.appSpan ? net.appSpan.spanID : net.span.spanID;
    let records;
    try {
      records = await api.ioamRecords(traceID, spanID, net.direction || 'request');
    } catch (e) {
      replaceChildren(body, h('h3', null, 'Hop attributes'), tagsTable(hop.span.tags),
        h('div', { class: 'error-box', role: 'alert' }, `Raw records unavailable: ${e.message}`));
      return;
    }
    replaceChildren(body,
      h('h3', null, 'Hop attributes'),
      tagsTable(hop.span.tags),
      h('h3', null, `Raw IOAM records (${records.length} packets, span `, h('span', { class: 'mono id' }, spanID), ')'),
      records.length ? recordsTable(records, hop) : h('p', { class: 'muted' }, 'The collector holds no raw records for this span.'),
      records.length
        ? h('details', null, h('summary', null, 'All records as JSON'), h('pre', { class: 'raw-json' }, JSON.stringify(records, null, 2)))
        : null);
  }
}

// The node entry of this hop in one packet: by node id, else by position.
function nodeOfHop(record, hop) {
  const nodes = Array.isArray(record.nodes) ? record.nodes : [];
  const byId = nodes.find((n) => n && (n.id === hop.nodeId || n.id_wide === hop.nodeId));
  return byId || nodes[(hop.hop ?? 1) - 1] || null;
}

const SHORT_FIELDS = new Set(['ingress_id', 'egress_id']);

// All ones means "unavailable" in IOAM: say so, keeping the raw value in the tooltip.
function nodeCell(key, value) {
  if (value === undefined) return h('td', { class: 'mono' }, '–');
  const allOnes = value === 0xffffffff || (SHORT_FIELDS.has(key) && value === 0xffff);
  return allOnes
    ? h('td', { class: 'mono muted', title: `${value}: unavailable` }, 'n/a')
    : h('td', { class: 'mono' }, String(value));
}

function recordsTable(records, hop) {
  const present = NODE_COLUMNS.filter(([k]) => records.some((r) => {
    const n = nodeOfHop(r, hop);
    return n && n[k] !== undefined;
  }));
  const addresses = records.some((r) => r.src || r.dst);
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'data records' },
      h('thead', null, h('tr', null,
        h('th', null, '#'), h('th', null, 'time'), addresses ? h('th', null, 'src → dst') : null,
        present.map(([, label]) => h('th', null, label)), h('th', null, 'flags'))),
      h('tbody', null, records.map((r, i) => {
        const n = nodeOfHop(r, hop) || {};
        const flags = r.flags ? Object.entries(r.flags).filter(([, v]) => v).map(([k]) => k).join(', ') : '';
        return h('tr', null,
          h('td', null, String(r.frame ?? i + 1)),
          h('td', { class: 'mono' }, r.time !== undefined ? String(r.time) : '–'),
          addresses ? h('td', { class: 'mono' }, `${r.src ?? '?'} → ${r.dst ?? '?'}`) : null,
          present.map(([k]) => nodeCell(k, n[k])),
          h('td', null, [flags, r.ids_intact === false ? ' ids lost' : ''].join('').trim() || '–'));
      }))));
}
