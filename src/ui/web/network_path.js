// A network span drawn as its path, labelled with its direction (the request,
// client to server, or the response on its way back): nodes (name, id, interfaces, queue depth,
// packets) joined by links labelled with the one-way delay of the hop they
// lead to. The slowest link and the node at its end are highlighted. Every
// node and link is a button that opens the hop's raw IOAM records.
import { h } from './dom.js';
import { formatDuration, interfaceText, plural } from './format.js';

export function renderNetworkPath(net, onHop) {
  const maxDelay = Math.max(0, ...net.hops.map((x) => x.delayUs ?? 0));
  const items = [];
  net.hops.forEach((hop, i) => {
    if (i > 0) items.push(linkItem(net.hops[i - 1], hop, maxDelay, onHop));
    items.push(nodeItem(hop, onHop));
  });
  const flags = [];
  if (net.overflow) flags.push(h('span', { class: 'flag warn', title: 'the IOAM trace ran out of room: some nodes did not record their data' }, 'overflow'));
  if (net.idsLost) flags.push(h('span', { class: 'flag warn', title: 'some packets had their CLT ids overwritten and could not be attributed' }, 'ids lost'));
  const label = directionLabel(net.direction);
  return h('div', { class: ['netpath', net.direction], role: 'group', dataset: { direction: net.direction },
    'aria-label': `${label.toLowerCase()} ${net.path}` },
    h('div', { class: 'netpath-summary' },
      h('span', { class: 'netpath-label' }, label),
      h('span', { class: 'mono' }, net.path),
      net.packets !== null ? h('span', null, plural(net.packets, 'packet')) : null,
      net.slowestHop !== null && net.slowestDelayUs !== null
        ? h('span', { class: 'slowest-text' }, `slowest hop: ${net.slowestHop} (${formatDuration(net.slowestDelayUs)})`)
        : null,
      flags),
    net.hops.length
      ? h('ol', { class: 'hops' }, items)
      : h('p', { class: 'muted' }, 'No hop data recorded.'));
}

export function directionLabel(direction) {
  return direction === 'response' ? 'Response path' : 'Request path';
}

function nodeItem(hop, onHop) {
  return h('li', { class: ['hop-node', hop.slowest && 'slowest'] },
    h('button', {
      type: 'button', class: 'node-box', dataset: { hop: hop.hop ?? '' },
      title: `hop ${hop.hop}: ${hop.name}. Open its raw IOAM records`,
      onclick: () => onHop(hop),
    },
    h('span', { class: 'node-name' }, hop.name),
    h('span', { class: 'node-sub mono' }, `hop ${hop.hop ?? '?'} · id ${hop.nodeId ?? '?'}`),
    h('span', { class: 'node-ifs mono' }, `in ${interfaceText(hop.ingressId)} · out ${interfaceText(hop.egressId)}`),
    h('span', { class: 'node-stats' },
      h('span', { title: 'maximum egress queue depth seen by the packets' }, `queue ${hop.queueDepth ?? '–'}`),
      h('span', null, ` · ${hop.packets ?? '–'} pkt`))));
}

// "p90 1.2 ms · p99 3 ms" when the hop's span carries them, else null.
export function tailText(hop) {
  const parts = [];
  if (hop.delayP90Us !== null && hop.delayP90Us !== undefined) parts.push(`p90 ${formatDuration(hop.delayP90Us)}`);
  if (hop.delayP99Us !== null && hop.delayP99Us !== undefined) parts.push(`p99 ${formatDuration(hop.delayP99Us)}`);
  return parts.length ? parts.join(' · ') : null;
}

function linkItem(prev, hop, maxDelay, onHop) {
  const share = maxDelay > 0 && hop.delayUs !== null ? hop.delayUs / maxDelay : 0;
  return h('li', { class: ['hop-link', hop.slowest && 'slowest'], 'aria-hidden': 'false' },
    h('button', {
      type: 'button', class: 'link-box', dataset: { hop: hop.hop ?? '' },
      title: `one-way delay ${prev.name} → ${hop.name} (median over packets). Open raw records`,
      onclick: () => onHop(hop),
    },
    h('span', { class: 'link-delay' }, hop.delayUs !== null ? formatDuration(hop.delayUs) : 'no delay'),
    tailText(hop) ? h('span', { class: 'link-tail muted', title: 'one-way delay percentiles over the packets' }, tailText(hop)) : null,
    h('span', { class: 'link-line' }, h('span', { class: 'link-fill', style: { width: `${Math.round(share * 100)}%` } })),
    h('span', { class: 'link-ifs mono' }, `if ${interfaceText(prev.egressId)} → ${interfaceText(hop.ingressId)}`),
    hop.slowest ? h('span', { class: 'slowest-badge' }, 'slowest') : null));
}
