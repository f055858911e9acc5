// Errors enable/disable report on sockets they cannot or must not touch.
// None of these needs privileges: they fail before setting the option.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "encap/clt_socket.h"
#include "os/unique_fd.h"

namespace {

using clt::encap::Config;
using clt::encap::Encapsulator;
using clt::encap::Status;

const clt::encap::TraceId kTrace{1};
const clt::encap::SpanId kSpan{2};

std::unique_ptr<Encapsulator> make(const Config& c = Config{}) {
  std::string error;
  auto e = Encapsulator::create(c, clt::encap::NodeFacts{}, error);
  EXPECT_TRUE(e) << error;
  return e;
}

class Socket {
 public:
  Socket(int domain, int type) : fd_(::socket(domain, type | SOCK_CLOEXEC, 0)) {}
  int fd() const { return fd_.get(); }

 private:
  clt::os::UniqueFd fd_;
};

void connect_loopback(int fd, std::uint16_t port) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  a.sin6_port = htons(port);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
}

TEST(EncapSocketErrors, ClosedDescriptor) {
  auto e = make();
  EXPECT_EQ(e->enable(987654, kTrace, kSpan).status, Status::kBadDescriptor);
  EXPECT_EQ(e->disable(987654).status, Status::kBadDescriptor);
}

TEST(EncapSocketErrors, NotASocket) {
  auto e = make();
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  EXPECT_EQ(e->enable(pipe_fds[0], kTrace, kSpan).status, Status::kNotSocket);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

TEST(EncapSocketErrors, Ipv4Socket) {
  auto e = make();
  Socket s(AF_INET, SOCK_DGRAM);
  EXPECT_EQ(e->enable(s.fd(), kTrace, kSpan).status, Status::kNotIpv6);
  EXPECT_EQ(e->disable(s.fd()).status, Status::kNotIpv6);
}

TEST(EncapSocketErrors, UnconnectedUdpSocketHasNoPeerToCheck) {
  auto e = make();
  Socket s(AF_INET6, SOCK_DGRAM);
  const auto r = e->enable(s.fd(), kTrace, kSpan);
  EXPECT_EQ(r.status, Status::kNotConnected);
  EXPECT_FALSE(r.ok());
}

TEST(EncapSocketErrors, PeerOutsideTheDomainIsNotAnError) {
  auto e = make();  // domain fc00::/7; ::1 is outside
  Socket s(AF_INET6, SOCK_DGRAM);
  connect_loopback(s.fd(), 9);
  const auto r = e->enable(s.fd(), kTrace, kSpan);
  EXPECT_EQ(r.status, Status::kOutsideDomain);
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r.applied());
  // Nothing was set on the socket.
  std::uint8_t opt[256];
  socklen_t len = sizeof opt;
  ASSERT_EQ(::getsockopt(s.fd(), IPPROTO_IPV6, IPV6_HOPOPTS, opt, &len), 0);
  EXPECT_EQ(len, 0u);
}

TEST(EncapSocketErrors, ScopedCltDoesNotDisableWhatItDidNotEnable) {
  auto e = make();
  Socket s(AF_INET6, SOCK_DGRAM);
  connect_loopback(s.fd(), 9);
  clt::encap::ScopedClt scope(*e, s.fd(), kTrace, kSpan);
  EXPECT_EQ(scope.result().status, Status::kOutsideDomain);
}

TEST(EncapSocketErrors, LoopbackInsideAnExplicitDomainIsEnabledWhenPermitted) {
  Config c;
  c.domain = {*clt::encap::Prefix::parse("::1/128")};
  auto e = make(c);
  Socket s(AF_INET6, SOCK_DGRAM);
  connect_loopback(s.fd(), 9);
  const auto r = e->enable(s.fd(), kTrace, kSpan);
  if (::geteuid() == 0) {
    ASSERT_EQ(r.status, Status::kOk) << clt::encap::describe(r.status);
    std::uint8_t opt[256];
    socklen_t len = sizeof opt;
    ASSERT_EQ(::getsockopt(s.fd(), IPPROTO_IPV6, IPV6_HOPOPTS, opt, &len), 0);
    EXPECT_EQ(len, e->header_size());
    EXPECT_EQ(opt[4], 0x31);
    EXPECT_EQ(e->disable(s.fd()).status, Status::kOk);
    len = sizeof opt;
    ASSERT_EQ(::getsockopt(s.fd(), IPPROTO_IPV6, IPV6_HOPOPTS, opt, &len), 0);
    EXPECT_EQ(len, 0u);
  } else {
    EXPECT_EQ(r.status, Status::kNoPermission);
  }
}

TEST(EncapSocketErrors, PreparedSocketCarriesTheChecksOutcome) {
  auto e = make();
  Socket unconnected(AF_INET6, SOCK_DGRAM);
  const auto p1 = e->prepare(unconnected.fd());
  EXPECT_EQ(p1.checks().status, Status::kNotConnected);
  EXPECT_EQ(p1.enable(kTrace, kSpan).status, Status::kNotConnected);
  Socket outside(AF_INET6, SOCK_DGRAM);
  connect_loopback(outside.fd(), 9);
  const auto p2 = e->prepare(outside.fd());
  EXPECT_EQ(p2.checks().status, Status::kOutsideDomain);
  clt::encap::ScopedClt scope(p2, kTrace, kSpan);
  EXPECT_EQ(scope.result().status, Status::kOutsideDomain);
}

TEST(EncapSocketErrors, PreparedSocketEnablesAndDisablesWhenPermitted) {
  Config c;
  c.domain = {*clt::encap::Prefix::parse("::1/128")};
  auto e = make(c);
  Socket s(AF_INET6, SOCK_DGRAM);
  connect_loopback(s.fd(), 9);
  const auto prepared = e->prepare(s.fd());
  ASSERT_EQ(prepared.checks().status, Status::kOk);
  const Status expected = ::geteuid() == 0 ? Status::kOk : Status::kNoPermission;
  std::uint8_t opt[256];
  socklen_t len = sizeof opt;
  {
    clt::encap::ScopedClt scope(prepared, kTrace, kSpan);
    EXPECT_EQ(scope.result().status, expected);
    ASSERT_EQ(::getsockopt(s.fd(), IPPROTO_IPV6, IPV6_HOPOPTS, opt, &len), 0);
    EXPECT_EQ(len, expected == Status::kOk ? e->header_size() : 0u);
  }
  len = sizeof opt;
  ASSERT_EQ(::getsockopt(s.fd(), IPPROTO_IPV6, IPV6_HOPOPTS, opt, &len), 0);
  EXPECT_EQ(len, 0u) << "the scope's end removes the option";
}

}  // namespace
