// Key/value and event tables for span details. Values are shown as text.
import { h } from './dom.js';
import { formatDuration } from './format.js';

export function valueText(v) {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function tagsTable(tags, emptyText = 'none') {
  if (!tags || !tags.length) return h('p', { class: 'muted' }, emptyText);
  return h('table', { class: 'data kv' },
    h('tbody', null, tags.map((t) => h('tr', null,
      h('th', { scope: 'row', class: 'mono' }, String(t.key)),
      h('td', { class: 'mono' }, valueText(t.value))))));
}

export function eventsTable(logs, spanStart) {
  if (!logs || !logs.length) return h('p', { class: 'muted' }, 'none');
  return h('table', { class: 'data events' },
    h('thead', null, h('tr', null, h('th', null, 'at'), h('th', null, 'event'), h('th', null, 'attributes'))),
    h('tbody', null, logs.map((log) => {
      const fields = log.fields || [];
      const nameField = fields.find((f) => f.key === 'event' || f.key === 'message');
      const rest = fields.filter((f) => f !== nameField);
      return h('tr', null,
        h('td', { class: 'mono nowrap' }, `+${formatDuration(log.timestamp - spanStart)}`),
        h('td', null, nameField ? valueText(nameField.value) : ''),
        h('td', { class: 'mono' }, rest.map((f) => h('div', null, `${f.key} = ${valueText(f.value)}`))));
    })));
}
