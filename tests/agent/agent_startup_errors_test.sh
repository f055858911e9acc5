#!/usr/bin/env bash
# Startup problems each give exactly one clear line on stderr and a non-zero
# exit: unknown interface, bad or unresolvable collector address, nowhere to
# report, and a missing CAP_NET_RAW or CAP_NET_ADMIN.
set -euo pipefail
clt=$1
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (to drop capabilities from root)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

expect_one_line() {
  local want=$1
  shift
  if env -u IOAM_COLLECTOR "$@" >"$tmp/out" 2>"$tmp/err"; then fail "'$*' succeeded"; fi
  [ "$(wc -l <"$tmp/err")" = 1 ] || fail "'$*' printed $(wc -l <"$tmp/err") lines: $(cat "$tmp/err")"
  grep -q -- "$want" "$tmp/err" || fail "'$*': expected '$want', got: $(cat "$tmp/err")"
}

expect_one_line "interface 'nosuchif0' not found" "$clt" agent -i nosuchif0 -o
expect_one_line "has no port" "$clt" agent -i lo -c localhost
expect_one_line "port from 1 to 65535" "$clt" agent -i lo -c 127.0.0.1:0
expect_one_line "does not resolve" "$clt" agent -i lo -c no-such-host.invalid:7123
expect_one_line "nowhere to report" "$clt" agent -i lo
expect_one_line "missing CAP_NET_RAW" setpriv --bounding-set=-net_raw "$clt" agent -i lo -o
expect_one_line "missing CAP_NET_ADMIN" setpriv --bounding-set=-net_admin "$clt" agent -i lo -o
# Without kernel events only CAP_NET_RAW is needed.
setpriv --bounding-set=-net_admin "$clt" agent -i lo -o --no-events --duration 0.2 \
  >/dev/null 2>"$tmp/err" || fail "--no-events without CAP_NET_ADMIN: $(cat "$tmp/err")"
expect_one_line "--traceparent needs --encap" "$clt" agent -i lo -o --traceparent
# IOAM_COLLECTOR is read when -c is absent, and checked the same way.
expect_one_line "has no port" env IOAM_COLLECTOR=bogus "$clt" agent -i lo
echo "PASS: one clear line per startup error"
