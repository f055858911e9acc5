// Path overview: every link seen in the traces of the current search, ranked
// by p95 one-way delay, so a congested link stands out at once.
import { h, replaceChildren } from './dom.js';
import { formatDuration, interfaceText, plural, shortId } from './format.js';
import { rankLinks } from './model.js';
import { urlFromFormParams } from './query.js';
import { errorBox, runSearch } from './search_view.js';

export async function renderOverviewView(main, params, isCurrent = () => true) {
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
  const links = rankLinks(traces, query.slowUs);
  const withNetwork = traces.filter((t) => t.networks.length).length;
  const head = h('div', { class: 'results-head' },
    h('h2', null, 'Path overview'),
    h('span', { class: 'muted' },
      `links ranked by p95 one-way delay across ${plural(traces.length, 'trace')} (${withNetwork} with network data) of the current search`),
    h('span', { class: 'spacer' }),
    h('a', { href: urlFromFormParams('search', params), class: 'button' }, 'Back to the traces'));
  if (!links.length) {
    replaceChildren(main, head, h('div', { class: 'empty' },
      h('p', null, 'None of these traces has per-hop delays. Hop delays need IOAM timestamps from at least two nodes.')));
    return;
  }
  const maxDelay = Math.max(...links.map((l) => l.p95 ?? 0), 1);
  replaceChildren(main, head,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'data overview', id: 'overview-table' },
        h('thead', null, h('tr', null,
          h('th', null, '#'), h('th', null, 'link'), h('th', { class: 'bar-col' }, 'median / p95 delay'),
          h('th', { class: 'num' }, 'median'), h('th', { class: 'num' }, 'p95'), h('th', { class: 'num' }, 'max'),
          h('th', { class: 'num' }, 'max queue'), h('th', { class: 'num' }, 'samples'), h('th', { class: 'num', title: 'traces where this link was at least as slow as the slow-network threshold' }, 'slow traces'),
          h('th', null, 'worst trace'))),
        h('tbody', null, links.map((l, i) => h('tr', {
          class: [i === 0 && links.length > 1 && 'top', l.p95 >= query.slowUs && 'slow'],
          dataset: { link: l.key },
        },
        h('td', { class: 'num' }, String(i + 1)),
        h('td', null,
          h('span', { class: 'link-name' }, `${l.from} → ${l.to}`),
          h('span', { class: 'mono muted small' }, ` if ${interfaceText(l.fromIf)} → ${interfaceText(l.toIf)}`)),
        h('td', { class: 'bar-col' },
          h('div', { class: 'delay-track' },
            h('div', { class: 'delay-p95', style: { width: `${(100 * (l.p95 ?? 0)) / maxDelay}%` } }),
            h('div', { class: 'delay-median', style: { width: `${(100 * l.median) / maxDelay}%` } }))),
        h('td', { class: 'num mono' }, formatDuration(l.median)),
        h('td', { class: 'num mono' }, formatDuration(l.p95)),
        h('td', { class: 'num mono' }, formatDuration(l.max)),
        h('td', { class: 'num mono' }, l.maxQueue === null ? '–' : String(l.maxQueue)),
        h('td', { class: 'num' }, String(l.samples)),
        h('td', { class: ['num', l.slowTraces && 'slow-text'] }, `${l.slowTraces} of ${l.traces}`),
        h('td', null, h('a', { href: `/trace/${l.worst.traceID}`, class: 'mono', dataset: { navItem: '1' } },
          `${shortId(l.worst.traceID)} (${formatDuration(l.worst.delayUs)})`))))))));
}
