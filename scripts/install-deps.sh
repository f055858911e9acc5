#!/usr/bin/env bash
# Installs what clt needs from Debian 12 packages (and, for the tests, npm).
# Idempotent and quiet when everything is already present.
#   scripts/install-deps.sh build      # to build and run clt (make, make demo, make package)
#   scripts/install-deps.sh zero-code  # plus Node.js and the zero-code demo's npm packages
#                                      # (make demo-zero-code: `clt demo --zero-code`)
#   scripts/install-deps.sh test       # plus what the test suite drives (make test)
set -euo pipefail
level=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)

build_pkgs=(
  build-essential cmake ninja-build pkg-config git clang
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libpcap-dev libsqlite3-dev nlohmann-json3-dev libcpp-httplib-dev libcli11-dev libboost-dev
  libssl-dev zlib1g-dev iproute2 procps kmod
  libbpf-dev bpftool  # the eBPF datapath: libbpf loader, skeleton generation
  libmnl-dev libspdlog-dev  # generic netlink, logging
  file  # make package: CPack finds the ELF files for dpkg-shlibdeps with it
)
test_pkgs=(
  libgtest-dev libgmock-dev libbenchmark-dev libclang-rt-14-dev clang-format
  tshark python3-scapy python3-grpcio python3-protobuf
  nodejs npm chromium ethtool tcpdump psmisc jq bc curl
  iperf3  # datapath throughput benchmark
  openssl  # the TLS tests make their certificates with the openssl CLI
  systemd adduser  # the package test: systemd-analyze verify, the postinst's adduser
  clickhouse-server  # the ClickHouse store's tests start their own server (no service)
)

# The zero-code demo's services run on Node.js; only that demo needs it.
zero_code_pkgs=(nodejs npm)

case "$level" in
  build | zero-code | test) ;;
  *) echo "usage: scripts/install-deps.sh build|zero-code|test (got '$level')" >&2; exit 2 ;;
esac
pkgs=("${build_pkgs[@]}")
[ "$level" = zero-code ] && pkgs+=("${zero_code_pkgs[@]}")
[ "$level" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  # A tool present from elsewhere (node from another source) satisfies its package.
  case "$p" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
  esac
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "clt: missing Debian packages: ${missing[*]}" >&2
    echo "clt: run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "clt: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer for it.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci of a directory's package-lock.json, again only when the lock changed.
npm_install() {
  local dir=$1 what=$2
  local stamp="$dir/node_modules/.clt-installed"
  if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
    echo "clt: installing $what from npm (${dir#"$here"/})"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$stamp"
  fi
}

if [ "$level" = test ]; then
  npm_install "$here/tests/js" "test packages"
fi
if [ "$level" = zero-code ] || [ "$level" = test ]; then
  # The test suite runs the zero-code demo too.
  npm_install "$here/demo/zero-code" "the zero-code demo's OpenTelemetry packages"
fi
