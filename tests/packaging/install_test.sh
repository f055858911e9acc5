#!/usr/bin/env bash
# `make install` as a user runs it, into a temporary DESTDIR: once with the
# configured prefix and once with PREFIX=/opt/clt-install-test. Each time:
# exactly the binary, libclt.so with its soname links, clt.h and clt.pc are
# installed; a C program built against them through pkg-config runs; the
# installed clt runs.
#   install_test.sh SOURCE_DIR BUILD_DIR LIBDIR CONSUMER.c
set -euo pipefail
src=$1 build=$2 libdir=$3 consumer=$4
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
configured=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
work=$(mktemp -d /tmp/clt-install-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

check_install() {  # PREFIX [PREFIX=... for make]
  local prefix=$1; shift
  local stage="$work/stage-$(basename "$prefix")"
  echo "== make install DESTDIR=$stage $* (prefix $prefix)"
  make -C "$src" --no-print-directory install BUILD="$build" DESTDIR="$stage" "$@" \
    >"$work/make.log" 2>&1 || { cat "$work/make.log"; fail "make install failed"; }
  local root="$stage$prefix"

  # Exactly these files and links, nothing else.
  (cd "$stage" && find . ! -type d | sed 's|^\.||' | sort) >"$work/installed"
  printf '%s\n' "$prefix/bin/clt" "$prefix/include/clt.h" \
    "$prefix/$libdir/libclt.so" "$prefix/$libdir/libclt.so.${version%%.*}" \
    "$prefix/$libdir/libclt.so.$version" "$prefix/$libdir/pkgconfig/clt.pc" | sort >"$work/expected"
  diff -u "$work/expected" "$work/installed" || fail "installed files differ from the expected ones"

  # The soname chain: libclt.so -> libclt.so.MAJOR -> libclt.so.VERSION.
  [ "$(readlink "$root/$libdir/libclt.so")" = "libclt.so.${version%%.*}" ] || fail "libclt.so link"
  [ "$(readlink "$root/$libdir/libclt.so.${version%%.*}")" = "libclt.so.$version" ] ||
    fail "libclt.so.${version%%.*} link"
  local dynamic
  dynamic=$(readelf -d "$root/$libdir/libclt.so.$version")
  grep -q "SONAME.*\[libclt.so.${version%%.*}\]" <<<"$dynamic" ||
    fail "SONAME of libclt.so.$version is not libclt.so.${version%%.*}"
  cmp -s "$src/include/clt.h" "$root/include/clt.h" || fail "installed clt.h differs"

  # pkg-config sees only the installed clt.pc, and the sysroot maps its paths
  # into the DESTDIR.
  unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
  export PKG_CONFIG_LIBDIR="$root/$libdir/pkgconfig"
  [ "$(pkg-config --variable=prefix clt)" = "$prefix" ] ||
    fail "clt.pc names prefix $(pkg-config --variable=prefix clt), installed to $prefix"
  [ "$(pkg-config --modversion clt)" = "$version" ] || fail "pkg-config --modversion clt"
  export PKG_CONFIG_SYSROOT_DIR="$stage"
  local cflags libs
  cflags=$(pkg-config --cflags clt) libs=$(pkg-config --libs clt)
  echo "pkg-config: $cflags $libs"
  # shellcheck disable=SC2086
  cc -std=c11 -Wall -Wextra -Werror $cflags "$consumer" $libs -o "$work/consumer" ||
    fail "the consumer does not build against the installed files"
  unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
  local loaded
  loaded=$(LD_LIBRARY_PATH="$root/$libdir" ldd "$work/consumer")
  grep -q "libclt.so.${version%%.*} => $root/$libdir/" <<<"$loaded" ||
    fail "the consumer does not load the installed libclt.so: $loaded"
  LD_LIBRARY_PATH="$root/$libdir" "$work/consumer" || fail "the consumer failed"

  [ "$("$root/bin/clt" --version)" = "clt $version" ] ||
    fail "installed clt --version: $("$root/bin/clt" --version 2>&1)"
}

check_install "$configured"
check_install /opt/clt-install-test PREFIX=/opt/clt-install-test
echo "make install: both prefixes ok"
