// A stable color per service name, readable on white.
const PALETTE = ['#2f6fdf', '#1b9e77', '#d95f02', '#7570b3', '#c2417f', '#5a8f29', '#a6761d', '#0f7c8c', '#8e5a9b', '#b8452d'];

export const NETWORK_COLOR = '#8a6d00';

export function serviceColor(name) {
  if (name === 'ioam') return NETWORK_COLOR;
  let hash = 0;
  for (const ch of String(name)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}
