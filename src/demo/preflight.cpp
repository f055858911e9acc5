#include "demo/preflight.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "demo/child_processes.h"
#include "os/ioam6_genl.h"
#include "os/process.h"

namespace clt::demo {

namespace {

namespace fs = std::filesystem;

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sa;
}

bool someone_listens(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sa = loopback(port);
  bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return connected;
}

// Free as the collector's servers bind (SO_REUSEADDR and SO_REUSEPORT, so
// connections of an earlier run in TIME_WAIT do not count), and nobody
// listening there (SO_REUSEPORT alone would let a second listener in).
bool port_free(std::uint16_t port) {
  if (someone_listens(port)) return false;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in sa = loopback(port);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}

std::vector<std::string> list_namespaces() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/run/netns", ec)) {
    out.push_back(e.path().filename().string());
  }
  return out;
}

int read_pid(const std::string& path) {
  std::ifstream in(path);
  int pid = 0;
  in >> pid;
  return pid;
}

bool alive(int pid) {
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

// Guards against a recycled pid: the part's command line names the run dir.
bool is_part_of_run(int pid, const std::string& run_dir) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return cmdline.find(run_dir) != std::string::npos;
}

}  // namespace

Leftovers find_leftovers(const DemoOptions& options) {
  Leftovers l;
  for (const auto& name : list_namespaces()) {
    if (name.rfind(options.prefix, 0) == 0) l.namespaces.push_back(name);
  }
  std::error_code ec;
  l.run_dir_exists = fs::exists(options.run_dir, ec);
  int pid = read_pid(options.run_dir + "/demo.pid");
  if (alive(pid) && pid != ::getpid()) l.running_pid = pid;
  std::ifstream children(options.run_dir + "/children.pids");
  for (int child = 0; children >> child;) {
    if (alive(child) && is_part_of_run(child, options.run_dir)) l.child_pids.push_back(child);
  }
  return l;
}

bool remove_leftovers(const DemoOptions& options, const Leftovers& l, std::string& error) {
  if (l.running_pid > 0) {
    ::kill(l.running_pid, SIGTERM);  // its own teardown stops its children
    for (int i = 0; i < 100 && alive(l.running_pid); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (alive(l.running_pid)) ::kill(l.running_pid, SIGKILL);
  }
  for (int pid : l.child_pids) ::kill(pid, SIGKILL);
  // Processes still inside the namespaces would keep using them.
  for (const auto& ns : l.namespaces) {
    std::string pids;
    os::run_command({"ip", "netns", "pids", ns}, pids);
    std::size_t pos = 0;
    while (pos < pids.size()) {
      std::size_t end = pids.find('\n', pos);
      if (end == std::string::npos) end = pids.size();
      int pid = std::atoi(pids.substr(pos, end - pos).c_str());
      if (pid > 0) ::kill(pid, SIGKILL);
      pos = end + 1;
    }
  }
  for (const auto& ns : l.namespaces) {
    std::string out;
    if (os::run_command({"ip", "netns", "del", ns}, out) != 0 && fs::exists("/run/netns/" + ns)) {
      error = "cannot delete namespace " + ns + ": " + out;
      return false;
    }
  }
  std::error_code ec;
  fs::remove_all(options.run_dir, ec);
  if (ec) {
    error = "cannot remove " + options.run_dir + ": " + ec.message();
    return false;
  }
  return true;
}

std::vector<std::string> preflight(const DemoOptions& options) {
  std::vector<std::string> problems;
  if (::geteuid() != 0) {
    problems.push_back(
        "clt demo must run as root (it creates network namespaces and sets IOAM sysctls): "
        "run `sudo make demo` or `sudo build/clt demo`");
    return problems;
  }
  if (!fs::exists("/proc/sys/net/ipv6/ioam6_id")) {
    problems.push_back(
        std::string("this kernel has no IPv6 IOAM (/proc/sys/net/ipv6/ioam6_id is missing): use ") +
        os::ioam6_genl::kFamilyKernel + " (Debian 12's bookworm-backports kernel has it)");
  }
  if (!fs::exists("/dev/net/tun") && !options.congestion.empty()) {
    problems.push_back(
        "/dev/net/tun is missing: --congest needs the TUN driver when tc netem is "
        "not available (load the tun module)");
  }
  if (os::run_command({"ip", "-V"}).exit_code != 0 ||
      os::run_command({"tc", "-V"}).exit_code != 0) {
    problems.push_back("`ip` and `tc` are needed: apt-get install iproute2");
  }
  struct Port {
    std::uint16_t port;
    const char* what;
    const char* flag;
  };
  for (const Port& p : {Port{options.ui_port, "the query API and UI", "--ui-port"},
                        Port{options.otlp_grpc_port, "OTLP/gRPC", "--otlp-grpc-port"},
                        Port{options.otlp_http_port, "OTLP/HTTP", "--otlp-http-port"},
                        Port{options.ioam_port, "the IOAM reports", "--ioam-port"}}) {
    if (!port_free(p.port)) {
      problems.push_back("port " + std::to_string(p.port) + " on 127.0.0.1 (" + p.what +
                         ") is in use: stop the program using it (`ss -ltnp sport = :" +
                         std::to_string(p.port) + "`) or pass " + p.flag + " PORT");
    }
  }
  Leftovers l = find_leftovers(options);
  if (l.running_pid > 0) {
    problems.push_back("another clt demo (pid " + std::to_string(l.running_pid) +
                       ") is running with prefix '" + options.prefix +
                       "': stop it with Ctrl-C, or pass --cleanup to stop it and start afresh");
  } else if (!l.child_pids.empty()) {
    problems.push_back("processes of an earlier run are still running (pid " +
                       std::to_string(l.child_pids[0]) +
                       "...): pass --cleanup to stop them and remove the rest");
  } else if (!l.namespaces.empty()) {
    std::string names;
    for (const auto& n : l.namespaces) names += (names.empty() ? "" : " ") + n;
    problems.push_back("network namespaces from an earlier run exist (" + names +
                       "): pass --cleanup to remove them, or `clt topo down --prefix " +
                       options.prefix + "`");
  }
  return problems;
}

}  // namespace clt::demo
