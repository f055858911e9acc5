// Shared helpers for the tracing interop tests: the official OTLP protobuf
// code (otlp-transformer 0.52.1's protobufjs root, which decodes as well as
// encodes), receivers built on it, and normalisation of decoded spans to plain
// objects so that two sides compare field by field.
'use strict';
const path = require('path');
const http = require('http');
const { spawn } = require('child_process');

const JS_DIR = path.resolve(__dirname, '..', 'js', 'node_modules');
const req = (name) => require(path.join(JS_DIR, name));
const root = req('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const collector = root.opentelemetry.proto.collector.trace.v1;

function hex(bytes) {
  return Buffer.from(bytes || []).toString('hex');
}

// A decoded ExportTraceServiceRequest as plain objects: ids hex, 64-bit
// integers as decimal strings, enums as numbers, every field present.
function toPlain(message) {
  return collector.ExportTraceServiceRequest.toObject(message, {
    longs: String, enums: Number, bytes: Array, defaults: true, arrays: true, oneofs: true,
  });
}

function anyValue(v) {
  if (!v || !v.value) return null;
  const x = v[v.value];
  switch (v.value) {
    case 'arrayValue': return { array: x.values.map(anyValue) };
    case 'kvlistValue': return { kvlist: attributes(x.values) };
    case 'bytesValue': return { bytes: hex(x) };
    case 'intValue': return { int: String(x) };
    case 'doubleValue': return { double: x };
    case 'boolValue': return { bool: x };
    default: return { string: x };
  }
}

function attributes(list) {
  return (list || []).map((kv) => [kv.key, anyValue(kv.value)]);
}

function normalizeSpan(s) {
  return {
    traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: hex(s.parentSpanId),
    traceState: s.traceState || '', flags: s.flags || 0, name: s.name, kind: s.kind,
    startTimeUnixNano: String(s.startTimeUnixNano), endTimeUnixNano: String(s.endTimeUnixNano),
    attributes: attributes(s.attributes), droppedAttributesCount: s.droppedAttributesCount || 0,
    events: (s.events || []).map((e) => ({
      timeUnixNano: String(e.timeUnixNano), name: e.name, attributes: attributes(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount || 0,
    })),
    droppedEventsCount: s.droppedEventsCount || 0,
    links: (s.links || []).map((l) => ({
      traceId: hex(l.traceId), spanId: hex(l.spanId), traceState: l.traceState || '',
      attributes: attributes(l.attributes), droppedAttributesCount: l.droppedAttributesCount || 0,
      flags: l.flags || 0,
    })),
    droppedLinksCount: s.droppedLinksCount || 0,
    status: { code: (s.status && s.status.code) || 0, message: (s.status && s.status.message) || '' },
  };
}

// [{resource, scope, span}] for every span of a plain request.
function flatten(plain) {
  const out = [];
  for (const rs of plain.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        out.push({
          resource: attributes(rs.resource ? rs.resource.attributes : []),
          scope: { name: ss.scope ? ss.scope.name : '', version: ss.scope ? ss.scope.version : '' },
          span: normalizeSpan(span),
        });
      }
    }
  }
  return out;
}

// OTLP/HTTP protobuf receiver decoding with the official code.
function startHttpReceiver(onRequest) {
  return new Promise((resolve) => {
    const server = http.createServer((request, response) => {
      const chunks = [];
      request.on('data', (c) => chunks.push(c));
      request.on('end', () => {
        try {
          if (request.url !== '/v1/traces' || request.method !== 'POST') throw new Error(`unexpected ${request.method} ${request.url}`);
          if (!String(request.headers['content-type']).includes('application/x-protobuf')) throw new Error(`content-type ${request.headers['content-type']}`);
          onRequest(collector.ExportTraceServiceRequest.decode(Buffer.concat(chunks)), 'http/protobuf');
          response.writeHead(200, { 'content-type': 'application/x-protobuf' });
          response.end(Buffer.from(collector.ExportTraceServiceResponse.encode({}).finish()));
        } catch (e) {
          onRequest(null, 'http/protobuf', e);
          response.writeHead(400);
          response.end(String(e));
        }
      });
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port }));
  });
}

// OTLP/gRPC receiver: grpc-js with the official protobuf code as codec.
function startGrpcReceiver(onRequest) {
  const grpc = req('@grpc/grpc-js');
  const server = new grpc.Server();
  server.addService({
    Export: {
      path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      requestStream: false, responseStream: false,
      requestSerialize: (m) => Buffer.from(collector.ExportTraceServiceRequest.encode(m).finish()),
      requestDeserialize: (b) => collector.ExportTraceServiceRequest.decode(b),
      responseSerialize: (m) => Buffer.from(collector.ExportTraceServiceResponse.encode(m).finish()),
      responseDeserialize: (b) => collector.ExportTraceServiceResponse.decode(b),
    },
  }, {
    Export: (call, callback) => {
      onRequest(call.request, 'grpc');
      callback(null, collector.ExportTraceServiceResponse.create({}));
    },
  });
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) return reject(err);
      resolve({ server, port });
    });
  });
}

// Runs a program to completion; resolves {code, stdout, stderr}.
function run(command, args, env, timeoutMs = 30000) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

async function waitFor(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return;
    await sleep(20);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

module.exports = { req, root, collector, hex, toPlain, flatten, normalizeSpan, attributes, startHttpReceiver,
  startGrpcReceiver, run, sleep, waitFor };
