#include "tracing/clt_span.h"

namespace clt::tracing {

CltSpan::CltSpan(Span span, const encap::Encapsulator& encap, int fd) : span_(std::move(span)) {
  if (span_.context().is_sampled())
    clt_.emplace(encap, fd, span_.context().trace_id, span_.context().span_id);
}

CltSpan::CltSpan(Span span, const encap::PreparedSocket& socket) : span_(std::move(span)) {
  if (span_.context().is_sampled())
    clt_.emplace(socket, span_.context().trace_id, span_.context().span_id);
}

std::optional<encap::Result> CltSpan::clt_result() const {
  if (!clt_) return std::nullopt;
  return clt_->result();
}

void CltSpan::end() {
  clt_.reset();
  span_.end();
}

CltSpan start_clt_span(Tracer& tracer, const encap::Encapsulator& encap, int fd,
                       std::string_view name, StartSpanOptions options) {
  options.kind = SpanKind::client;
  return CltSpan(tracer.start_span(name, std::move(options)), encap, fd);
}

CltSpan start_clt_span(Tracer& tracer, const encap::PreparedSocket& socket, std::string_view name,
                       StartSpanOptions options) {
  options.kind = SpanKind::client;
  return CltSpan(tracer.start_span(name, std::move(options)), socket);
}

}  // namespace clt::tracing
