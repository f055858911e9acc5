// Human-readable numbers and times. Durations are in microseconds, as in the
// Jaeger API.

export function formatDuration(us) {
  if (us === null || us === undefined || Number.isNaN(us)) return '–';
  const abs = Math.abs(us);
  if (abs < 1000) return `${trim(us)} µs`;
  if (abs < 1e6) return `${trim(us / 1000)} ms`;
  if (abs < 60e6) return `${trim(us / 1e6)} s`;
  const minutes = Math.floor(us / 60e6);
  return `${minutes} min ${trim((us - minutes * 60e6) / 1e6)} s`;
}

function trim(v) {
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1).replace(/\.0$/, '');
  return v.toFixed(2).replace(/\.?0+$/, '');
}

export function formatTime(us) {
  const d = new Date(us / 1000);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatAgo(us, nowMs = Date.now()) {
  const s = Math.round((nowMs - us / 1000) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

// "250ms", "1.5s", "300us", "2m" -> microseconds; null when empty; throws on nonsense.
export function parseDuration(text) {
  const s = String(text || '').trim();
  if (!s) return null;
  const m = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h)?$/i.exec(s);
  if (!m) throw new Error(`"${s}" is not a duration: write e.g. 300us, 250ms, 1.5s or 2m`);
  const factor = { us: 1, 'µs': 1, ms: 1e3, s: 1e6, m: 60e6, h: 3600e6 }[(m[2] || 'ms').toLowerCase()];
  return Math.round(Number(m[1]) * factor);
}

// Jaeger's duration syntax for minDuration/maxDuration.
export function toJaegerDuration(us) {
  return `${us}us`;
}

export function plural(n, word, many = `${word}s`) {
  return `${n} ${n === 1 ? word : many}`;
}

// The first 8 digits of a trace id, skipping the zero high half of a 64-bit id.
export function shortId(traceID) {
  const id = String(traceID);
  return (id.length === 32 && id.startsWith('0000000000000000') ? id.slice(16) : id).slice(0, 8);
}

// IOAM fills a field it cannot provide with all ones ("unavailable").
export const UNAVAILABLE_16 = 0xffff;
export const UNAVAILABLE_32 = 0xffffffff;

export function interfaceText(id) {
  if (id === null || id === undefined) return '–';
  return id === UNAVAILABLE_16 || id === UNAVAILABLE_32 ? 'n/a' : String(id);
}
