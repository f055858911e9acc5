// The collector's Jaeger-compatible query API, plus the raw IOAM records.

export class ApiError extends Error {}

async function getJson(url) {
  let response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch (e) {
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

export async function ioamRecords(traceID, spanID) {
  const p = new URLSearchParams({ traceID, spanID });
  const body = await getJson(`/api/ioam/records?${p}`);
  return body.data || [];
}
