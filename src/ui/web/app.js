// Entry point: a small router over the History API. Routes:
//   /  /search?...   trace search       /overview?...   path overview
//   /trace/<id>      one trace (also #/trace/<id>, for static hosting)
import { onTokenNeeded } from './api.js';
import { h, replaceChildren } from './dom.js';
import { DEFAULT_SLOW_MS } from './query.js';
import { RecordsDialog } from './records_dialog.js';
import { SearchForm } from './search_form.js';
import { renderOverviewView } from './overview_view.js';
import { renderSearchView } from './search_view.js';
import { renderTraceView } from './trace_view.js';
import { TokenDialog } from './token_dialog.js';

const main = document.getElementById('view');
const panel = document.getElementById('search-panel');
const ctx = {
  records: new RecordsDialog(document.getElementById('records-dialog')),
  lastSearch: null,
  // The slow-network threshold of the last search, for the trace view's summary.
  slowUs: DEFAULT_SLOW_MS * 1000,
};
let renderToken = 0;
const tokenDialog = new TokenDialog(document.getElementById('token-dialog'));
onTokenNeeded((wrong) => tokenDialog.ask(wrong));

function navigate(url) {
  if (url !== location.pathname + location.search + location.hash) history.pushState(null, '', url);
  route();
}

const form = new SearchForm(panel, navigate);

function currentRoute() {
  const hash = /^#\/trace\/([^/?#]+)/.exec(location.hash);
  if (hash) return { view: 'trace', id: decodeURIComponent(hash[1]) };
  const path = /^\/trace\/([^/?#]+)/.exec(location.pathname);
  if (path) return { view: 'trace', id: decodeURIComponent(path[1]) };
  if (location.pathname === '/overview') return { view: 'overview' };
  return { view: 'search' };
}

async function route() {
  const token = ++renderToken;
  // A slow answer for a view the user already left must not replace the new one.
  const isCurrent = () => token === renderToken;
  // data-ready names the view once it is fully drawn (tests and scripts wait on it).
  delete document.body.dataset.ready;
  const r = currentRoute();
  for (const a of document.querySelectorAll('[data-nav]')) {
    a.setAttribute('aria-current', a.dataset.nav === r.view ? 'page' : 'false');
  }
  document.body.dataset.view = r.view;
  if (r.view === 'trace') {
    panel.hidden = true;
    await renderTraceView(main, r.id, ctx, isCurrent);
  } else {
    panel.hidden = false;
    document.title = r.view === 'overview' ? 'Path overview · clt' : 'Search · clt';
    const params = await form.syncFromUrl(r.view, location.search);
    if (token !== renderToken) return;
    if (!params.service) {
      replaceChildren(main, h('div', { class: 'empty' },
        h('h2', null, 'No traces yet'),
        h('p', null, 'The collector has not received any spans. Send OTLP spans to it (for example with clt demo), then reload.')));
      return;
    }
    if (r.view === 'search') ctx.lastSearch = location.pathname + location.search;
    const slowMs = Number(params.slowMs);
    if (Number.isFinite(slowMs) && slowMs >= 0) ctx.slowUs = slowMs * 1000;
    const render = r.view === 'overview' ? renderOverviewView : renderSearchView;
    await render(main, params, isCurrent);
  }
  if (token === renderToken) document.body.dataset.ready = r.view;
}

// In-app links navigate without reloading; modified clicks keep browser behaviour.
document.addEventListener('click', (e) => {
  const a = e.target.closest('a[href]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const href = a.getAttribute('href');
  if (!href.startsWith('/') || href.startsWith('//')) return;
  e.preventDefault();
  navigate(href);
});
window.addEventListener('popstate', route);
window.addEventListener('hashchange', route);

// Keyboard: / search, g trace id, j/k next/previous result or span, ? help.
document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const typing = e.target.closest('input, select, textarea') || document.querySelector('dialog[open]');
  if (typing) return;
  if (e.key === '/') {
    e.preventDefault();
    if (panel.hidden) navigate(ctx.lastSearch || '/search');
    else form.focus();
  } else if (e.key === 'g') {
    e.preventDefault();
    document.getElementById('jump-input').focus();
  } else if (e.key === 'j' || e.key === 'k') {
    const items = [...main.querySelectorAll('[data-nav-item]')];
    if (!items.length) return;
    const at = items.indexOf(document.activeElement);
    const next = e.key === 'j' ? Math.min(items.length - 1, at + 1) : Math.max(0, at < 0 ? 0 : at - 1);
    items[next].focus();
    e.preventDefault();
  } else if (e.key === '?') {
    document.getElementById('help-dialog').showModal();
  }
});

document.getElementById('jump').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = document.getElementById('jump-input');
  const id = input.value.trim().toLowerCase();
  if (!id) return;
  input.value = '';
  navigate(`/trace/${encodeURIComponent(id)}`);
});
document.getElementById('help-button').addEventListener('click', () => document.getElementById('help-dialog').showModal());
for (const b of document.querySelectorAll('[data-close]')) {
  b.addEventListener('click', () => b.closest('dialog').close());
}

route();
