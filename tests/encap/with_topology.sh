#!/usr/bin/env bash
# Runs a command with a private copy of a topology up, and always takes it
# down again (also on failure or interruption).
#   with_topology.sh CLT TOPOLOGY-FILE|default NAME -- COMMAND...
# The namespace prefix (NAME + pid) is exported as CLT_TOPO_PREFIX.
set -euo pipefail
clt=$1 topo=$2 name=$3
shift 3
[ "${1:-}" = "--" ] && shift
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (network namespaces)" >&2; exit 1; }
export CLT_TOPO_PREFIX="${name}$$-"
file=()
[ "$topo" = default ] || file=("$topo")
down() { "$clt" topo down "${file[@]}" --prefix "$CLT_TOPO_PREFIX" >/dev/null; }
trap down EXIT
"$clt" topo up "${file[@]}" --prefix "$CLT_TOPO_PREFIX"
"$@"
