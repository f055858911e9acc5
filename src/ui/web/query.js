// The search state lives in the URL (/search?service=...), so a search can be
// bookmarked, shared and reused by the path overview.
import { parseDuration } from './format.js';

export const LOOKBACKS = [
  ['5m', 'Last 5 minutes', 5 * 60e6],
  ['15m', 'Last 15 minutes', 15 * 60e6],
  ['1h', 'Last hour', 3600e6],
  ['6h', 'Last 6 hours', 6 * 3600e6],
  ['24h', 'Last 24 hours', 24 * 3600e6],
  ['7d', 'Last 7 days', 7 * 24 * 3600e6],
  ['custom', 'Custom range', null],
];

export const DEFAULT_LOOKBACK = '1h';
export const DEFAULT_LIMIT = 20;
export const DEFAULT_SLOW_MS = 10;

// `key=value key2="value with spaces"` -> {key: 'value', key2: 'value with spaces'}
export function parseTags(text) {
  const tags = {};
  const s = String(text || '').trim();
  if (!s) return tags;
  const token = /\s*([^\s=]+)=(?:"([^"]*)"|(\S*))\s*/y;
  let at = 0;
  while (at < s.length) {
    token.lastIndex = at;
    const m = token.exec(s);
    if (!m) {
      throw new Error(`tags: expected key=value at "${s.slice(at, at + 20)}"; quote values with spaces: key="a b"`);
    }
    tags[m[1]] = m[2] !== undefined ? m[2] : m[3];
    at = token.lastIndex;
  }
  return tags;
}

export function formParamsFromUrl(search) {
  const p = new URLSearchParams(search);
  return {
    service: p.get('service') || '',
    operation: p.get('operation') || '',
    tags: p.get('tags') || '',
    lookback: p.get('lookback') || DEFAULT_LOOKBACK,
    start: p.get('start') || '',
    end: p.get('end') || '',
    minDuration: p.get('minDuration') || '',
    maxDuration: p.get('maxDuration') || '',
    limit: p.get('limit') || String(DEFAULT_LIMIT),
    slowMs: p.get('slowMs') || String(DEFAULT_SLOW_MS),
  };
}

export function urlFromFormParams(view, params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === '' || v === null || v === undefined) continue;
    if (k === 'lookback' && v === DEFAULT_LOOKBACK) continue;
    if (k === 'limit' && v === String(DEFAULT_LIMIT)) continue;
    if (k === 'slowMs' && v === String(DEFAULT_SLOW_MS)) continue;
    if ((k === 'start' || k === 'end') && params.lookback !== 'custom') continue;
    p.set(k, v);
  }
  const qs = p.toString();
  return `/${view}${qs ? `?${qs}` : ''}`;
}

// Form parameters -> API query; throws a readable Error on bad input.
export function apiQueryFromFormParams(params, nowMs = Date.now()) {
  let start;
  let end;
  if (params.lookback === 'custom') {
    start = params.start ? new Date(params.start).getTime() * 1000 : null;
    end = params.end ? new Date(params.end).getTime() * 1000 : nowMs * 1000;
    if (start === null || Number.isNaN(start)) throw new Error('custom range: choose a start time');
    if (Number.isNaN(end)) throw new Error('custom range: the end time is not a date');
    if (end <= start) throw new Error('custom range: the end must be after the start');
  } else {
    const lb = LOOKBACKS.find((l) => l[0] === params.lookback) || LOOKBACKS.find((l) => l[0] === DEFAULT_LOOKBACK);
    end = nowMs * 1000;
    start = end - lb[2];
  }
  const minDuration = parseDuration(params.minDuration);
  const maxDuration = parseDuration(params.maxDuration);
  if (minDuration !== null && maxDuration !== null && maxDuration < minDuration) {
    throw new Error('max duration is smaller than min duration');
  }
  const limit = Number(params.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1500) throw new Error('limit: a whole number from 1 to 1500');
  const slowMs = Number(params.slowMs);
  if (!Number.isFinite(slowMs) || slowMs < 0) throw new Error('slow network threshold: a number of milliseconds');
  if (!params.service) throw new Error('choose a service');
  return {
    service: params.service,
    operation: params.operation,
    tags: parseTags(params.tags),
    start: Math.round(start),
    end: Math.round(end),
    minDuration,
    maxDuration,
    limit,
    slowUs: slowMs * 1000,
  };
}
