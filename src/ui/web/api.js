// The collector's Jaeger-compatible query API, plus the raw IOAM records.

export class ApiError extends Error {}

// A collector started with --auth-token-file answers 401 without its bearer
// token. The token is asked for once (however many requests got 401) and
// kept in sessionStorage: for this tab only, gone when it closes.
const TOKEN_KEY = 'clt.authToken';
let askToken = null; // (wrong: boolean) => Promise<string>, set by the app
let asking = null;
let memoryToken = ''; // when sessionStorage is not available

export function onTokenNeeded(ask) {
  askToken = ask;
}

function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

async function newToken(wrong) {
  if (!asking) {
    asking = askToken(wrong).finally(() => {
      asking = null;
    });
  }
  const token = await asking;
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // storage refused (private mode): the token then lasts for this page only
  }
  memoryToken = token;
}

async function fetchAuthorized(url) {
  for (;;) {
    const token = storedToken() || memoryToken;
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(url, { headers });
    if (response.status !== 401 || !askToken) return response;
    // Another request may have been given the token meanwhile.
    if ((storedToken() || memoryToken) === token) await newToken(Boolean(token));
  }
}

async function getJson(url) {
  let response;
  try {
    response = await fetchAuthorized(url);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(`cannot reach the collector (${e.message}); is clt collector running?`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const detail = body && body.errors && body.errors.length ? body.errors.map((e) => e.msg || e).join('; ') : response.statusText;
    throw new ApiError(`${response.status} from ${url.split('?')[0]}: ${detail}`);
  }
  if (!body) throw new ApiError(`${url.split('?')[0]} returned something that is not JSON`);
  return body;
}

export async function services() {
  const body = await getJson('/api/services');
  return [...(body.data || [])].sort();
}

export async function operations(service) {
  const body = await getJson(`/api/services/${encodeURIComponent(service)}/operations`);
  return [...(body.data || [])].map((o) => (typeof o === 'string' ? o : o.name)).sort();
}

// query: {service, operation, tags (object), start, end (µs), minDuration, maxDuration (µs), limit}
export async function findTraces(query) {
  const p = new URLSearchParams();
  p.set('service', query.service);
  if (query.operation) p.set('operation', query.operation);
  if (query.tags && Object.keys(query.tags).length) p.set('tags', JSON.stringify(query.tags));
  if (query.start) p.set('start', String(query.start));
  if (query.end) p.set('end', String(query.end));
  if (query.minDuration !== null && query.minDuration !== undefined) p.set('minDuration', `${query.minDuration}us`);
  if (query.maxDuration !== null && query.maxDuration !== undefined) p.set('maxDuration', `${query.maxDuration}us`);
  p.set('limit', String(query.limit || 20));
  const body = await getJson(`/api/traces?${p}`);
  return body.data || [];
}

export async function trace(traceID) {
  const body = await getJson(`/api/traces/${encodeURIComponent(traceID)}`);
  const data = body.data || [];
  if (!data.length) throw new ApiError(`trace ${traceID} not found`);
  return data[0];
}

export async function ioamRecords(traceID, spanID, direction = 'request') {
  const p = new URLSearchParams({ traceID, spanID, direction });
  const body = await getJson(`/api/ioam/records?${p}`);
  return body.data || [];
}
