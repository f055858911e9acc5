// Search results: one row per trace with its duration, span count and a
// marker for the slowest network hop, red when it crosses the threshold.
import * as api from './api.js';
import { h, replaceChildren } from './dom.js';
import { formatAgo, formatDuration, formatTime, plural } from './format.js';
import { buildTrace, traceTitle } from './model.js';
import { apiQueryFromFormParams, urlFromFormParams } from './query.js';
import { serviceColor } from './colors.js';
import { shortId } from './format.js';
import { durationChart } from './duration_chart.js';

export async function runSearch(params) {
  const query = apiQueryFromFormParams(params);
  const raw = await api.findTraces(query);
  return { query, traces: raw.map(buildTrace) };
}

const SORTS = {
  recent: ['Most recent', (a, b) => b.start - a.start],
  longest: ['Longest first', (a, b) => b.duration - a.duration],
  shortest: ['Shortest first', (a, b) => a.duration - b.duration],
  network: ['Slowest network first', (a, b) => slowest(b) - slowest(a)],
  spans: ['Most spans', (a, b) => b.appSpanCount - a.appSpanCount],
};

function slowest(t) {
  return t.slowestNetwork ? t.slowestNetwork.slowestDelayUs ?? -1 : -1;
}

export async function renderSearchView(main, params, isCurrent = () => true) {
  replaceChildren(main, h('p', { class: 'loading' }, 'Searching…'));
  let result;
  try {
    result = await runSearch(params);
  } catch (e) {
    if (isCurrent()) replaceChildren(main, errorBox(e.message));
    return;
  }
  if (!isCurrent()) return;
  const { traces, query } = result;
  if (!traces.length) {
    replaceChildren(main,
      h('div', { class: 'empty' },
        h('h2', null, 'No traces found'),
        h('p', null, `Nothing from ${query.service} matches in this time range. Widen the time range or remove filters.`)));
    return;
  }
  const sortSelect = h('select', { id: 'sort', 'aria-label': 'Sort results' },
    Object.entries(SORTS).map(([k, [label]]) => h('option', { value: k }, label)));
  const list = h('ol', { class: 'results', id: 'results' });
  const withNetwork = traces.filter((t) => t.networks.length).length;
  const slowCount = traces.filter((t) => slowest(t) >= query.slowUs && t.slowestNetwork).length;
  const maxDuration = Math.max(...traces.map((t) => t.duration), 1);
  const draw = () => {
    const sorted = [...traces].sort(SORTS[sortSelect.value][1]);
    replaceChildren(list, sorted.map((t) => resultRow(t, maxDuration, query.slowUs)));
  };
  sortSelect.addEventListener('change', draw);
  draw();
  replaceChildren(main,
    h('div', { class: 'results-head' },
      h('h2', null, plural(traces.length, 'trace')),
      h('span', { class: 'muted' },
        `${withNetwork} with network data`,
        slowCount ? ', ' : '',
        slowCount ? h('span', { class: 'slow-text' }, `${slowCount} with a slow network path`) : ''),
      h('span', { class: 'spacer' }),
      h('a', { href: urlFromFormParams('overview', params), class: 'button', id: 'to-overview' }, 'Path overview of these traces'),
      h('label', { class: 'inline' }, 'Sort ', sortSelect)),
    h('div', { class: 'chart-box' }, durationChart(traces, query.slowUs)),
    list);
}

function resultRow(t, maxDuration, slowUs) {
  const net = t.slowestNetwork;
  let marker;
  if (net && net.slowestDelayUs !== null) {
    const slow = net.slowestDelayUs >= slowUs;
    marker = h('span', {
      class: ['net-marker', slow && 'slow'],
      title: `slowest network hop: ${net.slowestHop} (${formatDuration(net.slowestDelayUs)} one-way delay)`,
    }, slow ? '▲ slow network: ' : 'network: ', `${net.slowestHop ?? '?'} ${formatDuration(net.slowestDelayUs)}`);
  } else if (t.networks.length) {
    marker = h('span', { class: 'net-marker' }, 'network: no delay data');
  } else {
    marker = h('span', { class: 'net-marker none' }, 'no network data');
  }
  return h('li', null,
    h('a', { class: 'result', href: `/trace/${t.traceID}`, dataset: { navItem: '1', traceId: t.traceID } },
      h('div', { class: 'result-line' },
        h('span', { class: 'result-title' }, traceTitle(t)),
        h('span', { class: 'trace-id mono', title: t.traceID }, shortId(t.traceID)),
        h('span', { class: 'spacer' }),
        h('span', { class: 'duration' }, formatDuration(t.duration))),
      h('div', { class: 'duration-track' },
        h('div', { class: 'duration-bar', style: { width: `${Math.max(0.5, (100 * t.duration) / maxDuration)}%` } })),
      h('div', { class: 'result-line meta' },
        h('span', null, plural(t.appSpanCount, 'span')),
        t.errorCount ? h('span', { class: 'error-text' }, plural(t.errorCount, 'error')) : null,
        h('span', { class: 'chips' }, t.services.map((s) => h('span', { class: 'chip', style: { '--c': serviceColor(s) } }, s))),
        marker,
        h('span', { class: 'spacer' }),
        h('time', { title: formatTime(t.start) }, `${formatTime(t.start)} (${formatAgo(t.start)})`))));
}

export function errorBox(message) {
  return h('div', { class: 'error-box', role: 'alert' }, h('strong', null, 'Error: '), message);
}
