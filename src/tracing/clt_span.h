#pragma once

#include <optional>
#include <string_view>

#include "encap/clt_socket.h"
#include "tracing/tracer.h"

// A client span whose socket carries CLT (the span's trace and span ids in the
// IOAM Hop-by-Hop option of every packet) for exactly the span's life:
//
//   auto call = clt::tracing::start_clt_span(tracer, encap, fd, "GET /check",
//                                            {.parent = &server_ctx});
//   ... send the request on fd, read the reply ...
//   // call goes out of scope: CLT is removed from fd, then the span ends
namespace clt::tracing {

class CltSpan {
 public:
  CltSpan(Span span, const encap::Encapsulator& encap, int fd);
  // For a keep-alive connection carrying many spans: the socket's checks were
  // done once by Encapsulator::prepare. `socket` must outlive the CltSpan.
  CltSpan(Span span, const encap::PreparedSocket& socket);
  CltSpan(CltSpan&&) noexcept = default;
  CltSpan& operator=(CltSpan&&) = delete;
  CltSpan(const CltSpan&) = delete;
  CltSpan& operator=(const CltSpan&) = delete;
  // Members are destroyed in reverse order: CLT is disabled before the span ends.
  ~CltSpan() = default;

  Span& span() { return span_; }
  // kOk when the socket carries the ids; kOutsideDomain when the peer is
  // outside the IOAM domain; nullopt when the span is not sampled (nothing to
  // correlate, so the socket is left alone).
  std::optional<encap::Result> clt_result() const;
  // Disables CLT and ends the span now.
  void end();

 private:
  Span span_;
  std::optional<encap::ScopedClt> clt_;
};

// Starts a client span (kind forced to client) and enables CLT on fd for it.
CltSpan start_clt_span(Tracer& tracer, const encap::Encapsulator& encap, int fd,
                       std::string_view name, StartSpanOptions options = {});
// The same on a prepared keep-alive socket.
CltSpan start_clt_span(Tracer& tracer, const encap::PreparedSocket& socket, std::string_view name,
                       StartSpanOptions options = {});

}  // namespace clt::tracing
