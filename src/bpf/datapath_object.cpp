#include "bpf/datapath_object.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "bpf/clt_datapath.skel.h"
#include "bpf/clt_datapath_abi.h"

namespace clt::bpf {

namespace {

// libbpf's last warning (the verifier's or the kernel's complaint), kept for
// the error message instead of being printed.
thread_local char last_libbpf_warning[256];

int keep_last_warning(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  const int n = std::vsnprintf(last_libbpf_warning, sizeof last_libbpf_warning, format, args);
  for (char* c = last_libbpf_warning; *c != 0; ++c)
    if (*c == '\n') *c = ' ';
  return n;
}

std::string load_failure(int err) {
  std::string why = std::strerror(err);
  if (last_libbpf_warning[0] != 0) why += "; libbpf: " + std::string(last_libbpf_warning);
  if (err == EPERM)
    return "loading the eBPF datapath was refused (" + why +
           "): it needs CAP_BPF and CAP_NET_ADMIN (run as root, or grant them with "
           "setcap cap_bpf,cap_net_admin,cap_perfmon+ep on the clt binary)";
  if (err == ENOENT || err == EINVAL || err == EACCES || err == ENOTSUP || err == E2BIG)
    return "this kernel could not load the eBPF datapath (" + why +
           "): it needs Linux >= 6.6 with BTF (CONFIG_DEBUG_INFO_BTF, /sys/kernel/btf/vmlinux) "
           "and tc/cgroup BPF; use the socket-option fallback (IPV6_HOPOPTS) instead";
  return "loading the eBPF datapath failed: " + why;
}

}  // namespace

std::unique_ptr<DatapathObject> DatapathObject::load(const Options& options, std::string& error) {
  last_libbpf_warning[0] = 0;
  libbpf_set_print(keep_last_warning);
  clt_datapath* skel = clt_datapath__open();
  if (skel == nullptr) {
    error = load_failure(errno);
    return nullptr;
  }
  skel->rodata->clt_flow_ids_enabled = options.flow_ids ? 1 : 0;
  skel->rodata->clt_room_ids_trusted = options.room_ids ? 1 : 0;
  skel->rodata->clt_header_len = options.header_len;
  skel->rodata->clt_traceparent_enabled = options.traceparent ? 1 : 0;
  // The server's side of wire-read ids: loaded only when it is attached.
  bpf_program__set_autoload(skel->progs.clt_wire_ingress, options.traceparent);
  if (const int err = clt_datapath__load(skel); err != 0) {
    error = load_failure(-err);
    clt_datapath__destroy(skel);
    return nullptr;
  }
  return std::unique_ptr<DatapathObject>(new DatapathObject(skel));
}

DatapathObject::~DatapathObject() {
  clt_datapath__destroy(skeleton_);
}

int DatapathObject::encap_program() const {
  return bpf_program__fd(skeleton_->progs.clt_encap_egress);
}
int DatapathObject::setsockopt_program() const {
  return bpf_program__fd(skeleton_->progs.clt_setsockopt);
}
int DatapathObject::sockops_program() const {
  return bpf_program__fd(skeleton_->progs.clt_sockops);
}
int DatapathObject::wire_ingress_program() const {
  return bpf_program__fd(skeleton_->progs.clt_wire_ingress);
}
int DatapathObject::templates_map() const {
  return bpf_map__fd(skeleton_->maps.clt_templates);
}
int DatapathObject::template_slots_map() const {
  return bpf_map__fd(skeleton_->maps.clt_template_slots);
}
int DatapathObject::flow_ids_map() const {
  return bpf_map__fd(skeleton_->maps.clt_flow_ids);
}
int DatapathObject::socket_ids_map() const {
  return bpf_map__fd(skeleton_->maps.clt_socket_ids);
}
int DatapathObject::counters_map() const {
  return bpf_map__fd(skeleton_->maps.clt_counters);
}

void DatapathObject::set_tai_offset_ns(std::int64_t offset) {
  skeleton_->bss->clt_tai_offset_ns = offset;
}
void DatapathObject::set_wall_minus_mono_ns(std::int64_t offset) {
  skeleton_->bss->clt_wall_minus_mono_ns = offset;
}
void DatapathObject::set_clamp_mss(std::uint32_t mss) {
  skeleton_->bss->clt_clamp_mss = mss;
}
void DatapathObject::set_room_len(std::uint32_t bytes) {
  skeleton_->bss->clt_room_len = bytes;
}
void DatapathObject::set_domain(const clt_domain& domain) {
  std::memcpy(&skeleton_->bss->clt_domain_prefixes, &domain, sizeof domain);
}

}  // namespace clt::bpf
