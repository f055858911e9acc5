// Trace durations over time, one dot per search result: red when the trace's
// network path was slow, so congestion shows up as a cluster of red dots.
import { svg } from './dom.js';
import { formatDuration, formatTime } from './format.js';

const WIDTH = 1000;
const HEIGHT = 170;
const PAD = { left: 64, right: 16, top: 12, bottom: 26 };

export function durationChart(traces, slowUs) {
  const xs = traces.map((t) => t.start);
  const ys = traces.map((t) => t.duration);
  const [x0, x1] = spread(Math.min(...xs), Math.max(...xs));
  const yMax = Math.max(...ys) * 1.1 || 1;
  const x = (v) => PAD.left + ((v - x0) / (x1 - x0)) * (WIDTH - PAD.left - PAD.right);
  const y = (v) => HEIGHT - PAD.bottom - (v / yMax) * (HEIGHT - PAD.top - PAD.bottom);
  const grid = [];
  for (let i = 0; i <= 3; i++) {
    const v = (yMax * i) / 3;
    grid.push(svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v), class: 'grid' }));
    grid.push(svg('text', { x: PAD.left - 8, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, formatDuration(v)));
  }
  const timeLabel = (v) => formatTime(v).slice(11, 19);
  grid.push(svg('text', { x: PAD.left, y: HEIGHT - 6, class: 'axis' }, timeLabel(x0)));
  grid.push(svg('text', { x: WIDTH - PAD.right, y: HEIGHT - 6, 'text-anchor': 'end', class: 'axis' }, timeLabel(x1)));
  const maxSpans = Math.max(...traces.map((t) => t.appSpanCount), 1);
  const dots = traces.map((t) => {
    const net = t.slowestNetwork;
    const slow = net && net.slowestDelayUs !== null && net.slowestDelayUs >= slowUs;
    const label = `${formatDuration(t.duration)}, ${t.appSpanCount} spans` +
      (net && net.slowestDelayUs !== null ? `, slowest hop ${net.slowestHop} ${formatDuration(net.slowestDelayUs)}` : '');
    return svg('a', { href: `/trace/${t.traceID}`, 'aria-label': label, tabindex: '-1' },
      svg('circle', {
        cx: x(t.start), cy: y(t.duration), r: 4 + 5 * Math.sqrt(t.appSpanCount / maxSpans),
        class: slow ? 'dot slow' : t.networks.length ? 'dot' : 'dot none',
      }, svg('title', null, label)));
  });
  return svg('svg', {
    class: 'duration-chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img',
    'aria-label': 'Trace durations over time; red dots had a slow network path',
  }, grid, dots);
}

function spread(a, b) {
  if (b > a) return [a - (b - a) * 0.03, b + (b - a) * 0.03];
  return [a - 1e6, b + 1e6];
}
