"""OTLP trace requests encoded by hand from the published .proto field
numbers (opentelemetry/proto/trace/v1/trace.proto), for tests that need
shapes no SDK produces: 200,000 attributes, strings that are not UTF-8."""
import struct

from ioam_report_client import key, varint


def ld(field, payload):
    """A length-delimited field."""
    return key(field, 2) + varint(len(payload)) + payload


def fixed64(field, v):
    return key(field, 1) + struct.pack("<Q", v)


def string_attribute(name, value):
    """KeyValue{key=1, value=2: AnyValue{string_value=1}}."""
    return ld(1, name) + ld(2, ld(1, value))


def span(trace_id, span_id, name, attributes=(), start_ns=1_700_000_000_000_000_000,
         duration_ns=1_000_000):
    """Span: trace_id=1, span_id=2, name=5, start=7, end=8, attributes=9."""
    body = ld(1, bytes.fromhex(trace_id)) + ld(2, bytes.fromhex(span_id)) + ld(5, name)
    body += fixed64(7, start_ns) + fixed64(8, start_ns + duration_ns)
    body += b"".join(ld(9, a) for a in attributes)
    return body


def request(service, spans):
    """ExportTraceServiceRequest{resource_spans=1: ResourceSpans{resource=1,
    scope_spans=2: ScopeSpans{spans=2}}}."""
    resource = ld(1, string_attribute(b"service.name", service))
    scope_spans = b"".join(ld(2, s) for s in spans)
    return ld(1, ld(1, resource) + ld(2, scope_spans))
