#include "tracing/clt_span.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

namespace clt::tracing {
namespace {

// Calls back when a span ends, so a test can look at the socket right then.
class WatchingProcessor final : public SpanProcessor {
 public:
  explicit WatchingProcessor(std::function<void(const SpanData&)> on_end)
      : on_end_(std::move(on_end)) {}
  void on_end(SpanData&& span) override { on_end_(span); }
  bool force_flush(std::chrono::milliseconds) override { return true; }
  void shutdown() override {}

 private:
  std::function<void(const SpanData&)> on_end_;
};

struct UdpSocket {
  int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  UdpSocket() {
    sockaddr_in6 peer{};
    peer.sin6_family = AF_INET6;
    peer.sin6_port = htons(9);
    peer.sin6_addr = in6addr_loopback;
    EXPECT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&peer), sizeof peer), 0);
  }
  ~UdpSocket() { ::close(fd); }
  std::vector<std::uint8_t> hop_by_hop() const {
    std::vector<std::uint8_t> option(512);
    socklen_t size = static_cast<socklen_t>(option.size());
    EXPECT_EQ(::getsockopt(fd, IPPROTO_IPV6, IPV6_HOPOPTS, option.data(), &size), 0);
    option.resize(size);
    return option;
  }
};

std::unique_ptr<encap::Encapsulator> loopback_encapsulator() {
  encap::Config config;
  config.domain = {*encap::Prefix::parse("::1/128")};
  std::string error;
  auto encapsulator = encap::Encapsulator::create(config, encap::NodeFacts{}, error);
  EXPECT_TRUE(encapsulator) << error;
  return encapsulator;
}

TEST(CltSpan, SocketCarriesTheSpanIdsForExactlyTheSpansLife) {
  ASSERT_EQ(::geteuid(), 0) << "IPV6_HOPOPTS needs CAP_NET_RAW: run this test as root";
  auto encapsulator = loopback_encapsulator();
  ASSERT_TRUE(encapsulator);
  UdpSocket socket;
  std::vector<SpanData> ended;
  std::size_t option_size_when_ended = 999;
  TracerProvider provider(
      TracerProviderOptions{make_resource("clt-span-test"),
                            nullptr,
                            std::make_unique<WatchingProcessor>([&](const SpanData& span) {
                              option_size_when_ended = socket.hop_by_hop().size();
                              ended.push_back(span);
                            }),
                            nullptr,
                            {}});
  Tracer& tracer = provider.tracer("test");
  Span server = tracer.start_span("GET /api", {.kind = SpanKind::server});
  SpanContext call_context;
  {
    auto call = start_clt_span(tracer, *encapsulator, socket.fd, "GET /check",
                               {.parent = &server.context()});
    call_context = call.span().context();
    ASSERT_TRUE(call.clt_result());
    ASSERT_EQ(call.clt_result()->status, encap::Status::kOk)
        << encap::describe(call.clt_result()->status);
    const auto option = socket.hop_by_hop();
    ASSERT_EQ(option.size(), encapsulator->header_size());
    const auto& trace = call_context.trace_id;
    const auto& span = call_context.span_id;
    auto at = std::search(option.begin(), option.end(), trace.begin(), trace.end());
    ASSERT_NE(at, option.end()) << "trace id not in the Hop-by-Hop option";
    EXPECT_TRUE(std::equal(span.begin(), span.end(), at + 16))
        << "span id does not follow the trace id";
  }
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(option_size_when_ended, 0u) << "CLT was still on the socket when the span ended";
  EXPECT_EQ(ended[0].kind, SpanKind::client);
  EXPECT_EQ(ended[0].name, "GET /check");
  EXPECT_EQ(ended[0].context.span_id, call_context.span_id);
  EXPECT_EQ(ended[0].parent_span_id, server.context().span_id);
  EXPECT_TRUE(socket.hop_by_hop().empty());
}

TEST(CltSpan, PreparedSocketCarriesEachSpanInTurn) {
  ASSERT_EQ(::geteuid(), 0) << "IPV6_HOPOPTS needs CAP_NET_RAW: run this test as root";
  auto encapsulator = loopback_encapsulator();
  ASSERT_TRUE(encapsulator);
  UdpSocket socket;
  const encap::PreparedSocket prepared = encapsulator->prepare(socket.fd);
  ASSERT_EQ(prepared.checks().status, encap::Status::kOk)
      << encap::describe(prepared.checks().status);
  TracerProvider provider(
      TracerProviderOptions{make_resource("t"),
                            nullptr,
                            std::make_unique<WatchingProcessor>([](const SpanData&) {}),
                            nullptr,
                            {}});
  for (int i = 0; i < 3; ++i) {
    auto call = start_clt_span(provider.tracer("t"), prepared, "GET /check");
    ASSERT_TRUE(call.clt_result());
    EXPECT_EQ(call.clt_result()->status, encap::Status::kOk);
    const auto option = socket.hop_by_hop();
    const auto& span_id = call.span().context().span_id;
    EXPECT_NE(std::search(option.begin(), option.end(), span_id.begin(), span_id.end()),
              option.end());
  }
  EXPECT_TRUE(socket.hop_by_hop().empty());
}

TEST(CltSpan, UnsampledSpansLeaveTheSocketAlone) {
  auto encapsulator = loopback_encapsulator();
  ASSERT_TRUE(encapsulator);
  UdpSocket socket;
  TracerProvider provider(
      TracerProviderOptions{make_resource("t"),
                            make_always_off_sampler(),
                            std::make_unique<WatchingProcessor>([](const SpanData&) {}),
                            nullptr,
                            {}});
  auto call = start_clt_span(provider.tracer("t"), *encapsulator, socket.fd, "GET /check");
  EXPECT_FALSE(call.clt_result());
  EXPECT_TRUE(socket.hop_by_hop().empty());
  EXPECT_TRUE(call.span().context().is_valid());
}

TEST(CltSpan, PeerOutsideTheDomainIsReportedNotFatal) {
  encap::Config config;  // default domain fc00::/7 excludes ::1
  std::string error;
  auto encapsulator = encap::Encapsulator::create(config, encap::NodeFacts{}, error);
  ASSERT_TRUE(encapsulator) << error;
  UdpSocket socket;
  std::vector<SpanData> ended;
  TracerProvider provider(TracerProviderOptions{
      make_resource("t"),
      nullptr,
      std::make_unique<WatchingProcessor>([&](const SpanData& span) { ended.push_back(span); }),
      nullptr,
      {}});
  {
    auto call = start_clt_span(provider.tracer("t"), *encapsulator, socket.fd, "GET /outside");
    ASSERT_TRUE(call.clt_result());
    EXPECT_EQ(call.clt_result()->status, encap::Status::kOutsideDomain);
    EXPECT_TRUE(socket.hop_by_hop().empty());
    call.end();
    EXPECT_EQ(ended.size(), 1u);
  }
  EXPECT_EQ(ended.size(), 1u);
}

}  // namespace
}  // namespace clt::tracing
