// Tracing for the zero-code demo's services, loaded with `node --require
// ./tracing.js SERVICE.js`: the official OpenTelemetry Node.js SDK with its
// HTTP auto-instrumentation, configured by the standard OTEL_* environment
// variables (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). Nothing here knows about CLT: the
// agent reads the `traceparent` this instrumentation writes on the wire.
'use strict';
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { Resource, detectResourcesSync, envDetectorSync } = require('@opentelemetry/resources');
const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');

// The resource from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
const provider = new NodeTracerProvider({
  resource: Resource.default().merge(detectResourcesSync({ detectors: [envDetectorSync] })),
});
provider.addSpanProcessor(new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 200 }));
provider.register();
registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });

// Stopped by a signal, the service still exports the spans it has.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    provider.shutdown().finally(() => process.exit(0));
  });
}
