#!/usr/bin/env bash
# `make package`, then the .deb through dpkg as an administrator uses it
# (root; the host's dpkg database):
#   install: the files, the services' users, the units (systemd-analyze
#     verify), a C program built through pkg-config, and each service's
#     binary run with exactly its unit's user and capabilities;
#   remove: only the configuration, the collector's data and the users stay;
#   purge: nothing named clt is left in /etc, /usr or /var/lib, no user.
# If anything fails, the package is purged before the test exits.
#   package_test.sh SOURCE_DIR BUILD_DIR CONSUMER.c
set -euo pipefail
src=$1 build=$2 consumer=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root: it installs the package with dpkg -i"
for tool in dpkg systemd-analyze setpriv adduser; do
  command -v $tool >/dev/null || fail "$tool is missing (scripts/install-deps.sh test)"
done
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
deb="$build/package/clt_${version}_$(dpkg --print-architecture).deb"
users=(clt-collector clt-agent)
conffiles=(/etc/default/clt-collector /etc/default/clt-agent)
unitdir=/usr/lib/systemd/system

# A host that already has clt installed, or its users, is not touched.
status=$(dpkg-query -W -f='${Status}' clt 2>/dev/null || true)
[ -z "$status" ] || [ "$status" = "unknown ok not-installed" ] ||
  fail "a clt package is on this host already ($status): dpkg --purge clt first"
for user in "${users[@]}"; do
  ! getent passwd "$user" >/dev/null || fail "user $user exists already on this host"
done
clt_paths() { find /etc /usr /var/lib -xdev \( -name clt -o -name 'clt[-._@]*' -o -name 'libclt*' \) 2>/dev/null | sort; }

work=$(mktemp -d /tmp/clt-package-test.XXXXXX)
cleanup() {
  if dpkg-query -W clt >/dev/null 2>&1; then dpkg --purge clt >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
clt_paths >"$work/before"

echo "== make package"
rm -f "$deb"
make -C "$src" --no-print-directory package BUILD="$build" >"$work/make.log" 2>&1 ||
  { cat "$work/make.log"; fail "make package failed"; }
[ -f "$deb" ] || fail "make package did not write $deb"
dpkg-deb -I "$deb"
dpkg-deb -c "$deb" | awk '{print $6, $7, $8}' >"$work/contents"
for f in ./usr/bin/clt ./usr/lib/libclt.so.$version ./usr/include/clt.h ./usr/lib/pkgconfig/clt.pc \
  ./usr/lib/systemd/system/clt-collector.service ./usr/lib/systemd/system/clt-agent@.service \
  ./etc/default/clt-collector ./etc/default/clt-agent; do
  grep -q "^$f\( \|$\)" "$work/contents" || fail "the package has no $f"
done
grep -q "^./usr/lib/libclt.so -> libclt.so.${version%%.*}$" "$work/contents" || fail "libclt.so link"
grep -q "^./usr/lib/libclt.so.${version%%.*} -> libclt.so.$version$" "$work/contents" ||
  fail "libclt.so.${version%%.*} link"
# Every file of the package is new to this host.
while read -r path _; do
  case "$path" in */) continue ;; esac
  [ ! -e "${path#.}" ] && [ ! -L "${path#.}" ] || fail "${path#.} exists already on this host"
done <"$work/contents"

echo "== dpkg -i"
dpkg -i "$deb" || fail "dpkg -i failed"
[ "$(dpkg-query -W -f='${Status}' clt)" = "install ok installed" ] || fail "clt is not installed"
[ "$(/usr/bin/clt --version)" = "clt $version" ] || fail "/usr/bin/clt --version"
for user in "${users[@]}"; do
  entry=$(getent passwd "$user") || fail "postinst did not create user $user"
  IFS=: read -r _ _ uid _ _ home shell <<<"$entry"
  [ "$uid" -lt 1000 ] || fail "$user is not a system user (uid $uid)"
  [ "$home" = "/var/lib/$user" ] || fail "$user's home is $home"
  case "$shell" in */nologin | */false) ;; *) fail "$user can log in ($shell)" ;; esac
  getent group "$user" >/dev/null || fail "postinst did not create group $user"
done
for f in "${conffiles[@]}"; do
  grep -qx "$f" /var/lib/dpkg/info/clt.conffiles || fail "$f is not a conffile"
done

echo "== systemd-analyze verify"
verify=$(systemd-analyze verify "$unitdir/clt-collector.service" "$unitdir/clt-agent@lo.service" 2>&1) ||
  { echo "$verify"; fail "systemd-analyze verify failed"; }
if grep -q "clt-" <<<"$verify"; then echo "$verify"; fail "systemd-analyze verify warns about the units"; fi
# The hardening stays where it is: exposure at most 3.0 of 10 for each unit.
for unit in clt-collector.service clt-agent@lo.service; do
  systemd-analyze security --offline=true --threshold=30 "$unitdir/$unit" >"$work/security" 2>&1 ||
    { cat "$work/security"; fail "$unit: exposure above 3.0"; }
  grep "Overall exposure" "$work/security"
done

echo "== the installed library through pkg-config"
flags=$(pkg-config --cflags --libs clt) || fail "pkg-config does not find clt"
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror "$consumer" $flags -o "$work/consumer" || fail "consumer build"
"$work/consumer" || fail "the consumer failed against /usr/lib/libclt.so"

# The unit's user and capabilities, as setpriv arguments: the service's
# binary is then run the way systemd runs it (no capability beyond these, no
# new privileges) where systemd is not the init.
as_unit() {  # UNIT COMMAND...
  local unit=$1; shift
  local user caps bounding
  user=$(sed -n 's/^User=//p' "$unit")
  caps=$(sed -n 's/^AmbientCapabilities=//p' "$unit")
  bounding=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
  [ -n "$user" ] || fail "$unit has no User="
  [ "$caps" = "$bounding" ] || fail "$unit: AmbientCapabilities and CapabilityBoundingSet differ"
  local list=-all
  for c in $caps; do list+=",+$(tr '[:upper:]' '[:lower:]' <<<"${c#CAP_}")"; done
  setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs \
    --inh-caps="$list" --ambient-caps="$list" --bounding-set="$list" "$@"
}
grep -qx "AmbientCapabilities=" "$unitdir/clt-collector.service" &&
  grep -qx "CapabilityBoundingSet=" "$unitdir/clt-collector.service" ||
  fail "the collector's unit does not drop every capability"
grep -qx "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN CAP_BPF CAP_PERFMON" "$unitdir/clt-agent@.service" ||
  fail "the agent's unit does not grant exactly CAP_NET_RAW CAP_NET_ADMIN CAP_BPF CAP_PERFMON"

echo "== the collector as its unit runs it, with the packaged configuration"
# systemd creates the StateDirectory at start; so does this test.
install -d -o clt-collector -g clt-collector -m 0750 /var/lib/clt-collector
# shellcheck disable=SC1091
opts=$(. /etc/default/clt-collector && echo "$CLT_COLLECTOR_OPTS")
# The default TCP ports may be in use on a test host: a unix socket instead.
(cd /var/lib/clt-collector &&
  # shellcheck disable=SC2086
  as_unit "$unitdir/clt-collector.service" timeout --preserve-status -s TERM 3 /usr/bin/clt collector \
    $opts --ioam-grpc unix:/var/lib/clt-collector/ioam.sock --otlp-grpc off --otlp-http off --query-http off) ||
  fail "the collector did not run as clt-collector without capabilities"
[ "$(stat -c %U /var/lib/clt-collector/traces.db)" = clt-collector ] ||
  fail "the collector did not write its database /var/lib/clt-collector/traces.db"

echo "== the agent as its unit runs it, on lo"
install -d -o clt-agent -g clt-agent -m 0750 /var/lib/clt-agent /var/lib/clt-agent/lo
chmod 0711 "$work"  # the agent's user reaches its runtime directory inside
install -d -o clt-agent -g clt-agent -m 0755 "$work/run"
(cd /var/lib/clt-agent/lo &&
  as_unit "$unitdir/clt-agent@.service" /usr/bin/clt agent --interface lo \
    --stats "$work/run/stats.json" --collector 127.0.0.1:1 --jsonl traces.jsonl --duration 1) ||
  fail "the agent did not run as clt-agent with its unit's capabilities"
grep -q '"interface": "lo"' "$work/run/stats.json" || fail "the agent wrote no counters"

echo "== systemctl enable (offline when systemd is not the init)"
systemctl enable clt-collector.service clt-agent@lo.service
[ -L /etc/systemd/system/multi-user.target.wants/clt-agent@lo.service ] || fail "enable clt-agent@lo"

echo "== dpkg -r: the configuration, the data and the users stay"
dpkg -r clt || fail "dpkg -r failed"
[ "$(dpkg-query -W -f='${Status}' clt)" = "deinstall ok config-files" ] ||
  fail "after dpkg -r: $(dpkg-query -W -f='${Status}' clt)"
while read -r path _; do
  case "$path" in */) continue ;; ./etc/default/*) continue ;; esac
  [ ! -e "${path#.}" ] && [ ! -L "${path#.}" ] || fail "dpkg -r left ${path#.}"
done <"$work/contents"
for f in "${conffiles[@]}"; do [ -f "$f" ] || fail "dpkg -r removed $f"; done
[ -f /var/lib/clt-collector/traces.db ] || fail "dpkg -r removed the collector's database"
for user in "${users[@]}"; do getent passwd "$user" >/dev/null || fail "dpkg -r removed $user"; done

echo "== dpkg --purge: nothing left"
dpkg --purge clt || fail "dpkg --purge failed"
! dpkg-query -W clt >/dev/null 2>&1 || fail "dpkg still knows clt: $(dpkg-query -W -f='${Status}' clt)"
for user in "${users[@]}"; do
  ! getent passwd "$user" >/dev/null || fail "purge left user $user"
  ! getent group "$user" >/dev/null || fail "purge left group $user"
done
clt_paths >"$work/after"
diff -u "$work/before" "$work/after" || fail "purge left files behind"
echo "package: install, remove and purge ok"
