#pragma once

// The network namespace a program test runs in: its own, so its loopback
// (the test run's device) can get a 1500-byte MTU. Needs root: fails
// otherwise.

#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "os/unique_fd.h"

namespace clt::test {

class PrivateNetns : public ::testing::Environment {
 public:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "the datapath program test needs root (CAP_BPF, CAP_NET_ADMIN)";
    ASSERT_EQ(::unshare(CLONE_NEWNET), 0) << std::strerror(errno);
    clt::os::UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq req{};
    std::strcpy(req.ifr_name, "lo");
    req.ifr_mtu = 1500;
    ASSERT_EQ(::ioctl(sock.get(), SIOCSIFMTU, &req), 0) << std::strerror(errno);
    ASSERT_EQ(::ioctl(sock.get(), SIOCGIFFLAGS, &req), 0);
    req.ifr_flags |= IFF_UP;
    ASSERT_EQ(::ioctl(sock.get(), SIOCSIFFLAGS, &req), 0);
  }
};

}  // namespace clt::test
