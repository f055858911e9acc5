// Interop over TLS: the official OpenTelemetry JS SDK (npm) exports one span
// over OTLP/HTTP protobuf (https, the exporter's httpAgentOptions) and one
// over OTLP/gRPC (@grpc/grpc-js SSL credentials) to `clt collector`, with a
// client certificate when given (mutual TLS). Prints the trace ids as one
// JSON line; tls_test.py reads them back through the query API.
// usage: node otel_sdk_tls.js OTLP_HTTP_PORT OTLP_GRPC_PORT CA [CERT KEY]
'use strict';
const fs = require('fs');
const path = require('path');
const nm = path.join(__dirname, '..', 'js', 'node_modules');
const req = (m) => require(path.join(nm, m));
const { BasicTracerProvider, SimpleSpanProcessor } = req('@opentelemetry/sdk-trace-base');
const { Resource } = req('@opentelemetry/resources');
const { OTLPTraceExporter: ProtoExporter } = req('@opentelemetry/exporter-trace-otlp-proto');
const { OTLPTraceExporter: GrpcExporter } = req('@opentelemetry/exporter-trace-otlp-grpc');
const grpc = req('@grpc/grpc-js');

const [httpPort, grpcPort, caFile, certFile, keyFile] = process.argv.slice(2);
const ca = fs.readFileSync(caFile);
const cert = certFile ? fs.readFileSync(certFile) : undefined;
const key = keyFile ? fs.readFileSync(keyFile) : undefined;

// One span through `exporter`; its trace id once the export succeeded.
async function produce(service, exporter) {
  let result;
  const wrapped = {
    export(spans, done) {
      exporter.export(spans, (r) => {
        result = r;
        done(r);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush(),
  };
  const provider = new BasicTracerProvider({ resource: new Resource({ 'service.name': service }) });
  provider.addSpanProcessor(new SimpleSpanProcessor(wrapped));
  const span = provider.getTracer('tls').startSpan('over tls');
  const trace = span.spanContext().traceId;
  span.end();
  await provider.forceFlush();
  await provider.shutdown();
  if (!result || result.code !== 0) {
    throw new Error(service + ': export failed: ' + (result && result.error ? result.error.message : 'no result'));
  }
  return trace;
}

(async () => {
  const viaHttp = await produce('tls-js-http', new ProtoExporter({
    url: `https://127.0.0.1:${httpPort}/v1/traces`,
    httpAgentOptions: { ca, cert, key },
  }));
  const viaGrpc = await produce('tls-js-grpc', new GrpcExporter({
    url: `https://127.0.0.1:${grpcPort}`,
    credentials: grpc.credentials.createSsl(ca, key || null, cert || null),
  }));
  console.log(JSON.stringify({ 'OTLP/HTTP': viaHttp, 'OTLP/gRPC': viaGrpc }));
})().catch((e) => { console.error('FAIL:', e); process.exit(1); });
