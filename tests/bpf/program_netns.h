#pragma once

// The network namespace a program test runs in: its own (loopback up, the
// test run's device), with a 1500-byte MTU on lo so that MTU checks bite as
// on Ethernet. Needs root: fails otherwise.

#include <gtest/gtest.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "os/unique_fd.h"
#include "support/private_loopback.h"

namespace clt::test {

class PrivateNetns : public ::testing::Environment {
 public:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "the datapath program test needs root (CAP_BPF, CAP_NET_ADMIN)";
    std::string error;
    ASSERT_TRUE(private_loopback_namespace(error)) << error;
    clt::os::UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq req{};
    std::strcpy(req.ifr_name, "lo");
    req.ifr_mtu = 1500;
    ASSERT_EQ(::ioctl(sock.get(), SIOCSIFMTU, &req), 0) << std::strerror(errno);
  }
};

}  // namespace clt::test
