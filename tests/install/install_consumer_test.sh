#!/usr/bin/env bash
# install_consumer_test: `cmake --install` the current build into a temporary prefix, check
# what the package contains, then build the out-of-tree consumer (tests/install/consumer)
# against it twice -- with CMake (find_package(rvjit), same toolchain file) and with
# pkg-config flags on a plain compiler command line -- and run them under the emulator: a
# C++ program (Assembler + CodeCache, and the hooks library) and a C one (the C API).
#
# usage: install_consumer_test.sh --build DIR --repo DIR --toolchain FILE --cc CC --cxx CXX
#          --generator NAME --version X.Y.Z --hooks-type TYPE --third-party DIR
#          -- EMULATOR [ARGS...]
set -euo pipefail

while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --repo) repo=$2; shift 2 ;;
    --toolchain) toolchain=$2; shift 2 ;;
    --cc) cc=$2; shift 2 ;;
    --cxx) cxx=$2; shift 2 ;;
    --generator) generator=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --hooks-type) hooks_type=$2; shift 2 ;;
    --third-party) third_party=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "install_consumer_test: unknown argument $1" >&2; exit 2 ;;
  esac
done
emulator=("$@")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rvjit-install-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
die() { echo "FAIL: $*" >&2; exit 1; }
# run LOG CMD...: runs CMD with its output in LOG; on failure prints the log and dies.
run() {
  local log=$1; shift
  "$@" >"$log" 2>&1 || { cat "$log" >&2; die "command failed: $*"; }
}

echo "== cmake --install $build --prefix $prefix"
run "$tmp/install.log" cmake --install "$build" --prefix "$prefix"

echo "== package contents"
expect=(include/rvjit/error.h include/rvjit/hooks.h include/rvjit/jit/assembler.h
        include/rvjit/runtime/code_cache.h
        lib/librvjit_jit.a lib/librvjit_runtime.a lib/librvjit_asmjit.a lib/librvjit_mimalloc.a
        lib/cmake/rvjit/rvjitConfig.cmake lib/cmake/rvjit/rvjitConfigVersion.cmake
        lib/cmake/rvjit/rvjitTargets.cmake lib/pkgconfig/rvjit.pc)
hooks_lib=0
if [ "$hooks_type" != INTERFACE_LIBRARY ]; then
  hooks_lib=1
  expect+=(lib/librvjit_hooks.a)
fi
for f in "${expect[@]}"; do
  [ -f "$prefix/$f" ] || fail "not installed: $f"
done
# Every public header of the source tree is installed.
while IFS= read -r h; do
  [ -f "$prefix/include/$h" ] || fail "header not installed: include/$h"
done < <(cd "$repo/include" && find rvjit -type f -name '*.h')
# The package stands alone: nothing in it points back into the source tree, the build
# tree or the third-party cache the build used.
third_party=$(cd "$third_party/.." && pwd)
if leaks=$(grep -rlF -e "$repo" -e "$build" -e "$third_party" \
             "$prefix/lib/cmake" "$prefix/lib/pkgconfig"); then
  fail "package files refer to the build machine's trees: $leaks"
fi
[ "$failures" = 0 ] || die "$failures problem(s) with the installed package"

# The consumer is built with HOME pointing at an empty directory, so nothing of
# ~/.cache/rvjit can be picked up by accident.
home=$tmp/home
mkdir -p "$home"

# indent TAG TEXT: prints TEXT with every line prefixed by "   TAG: ".
indent() {
  local line
  while IFS= read -r line; do echo "   $1: $line"; done <<<"$2"
}

# check_run NAME EXE: runs the consumer with two values and checks output and exit status.
check_run() {
  local name=$1 exe=$2 n out
  for n in 1234 -7; do
    local rc=0
    out=$(HOME=$home "${emulator[@]}" "$exe" "$n" 2>&1) || rc=$?
    indent "$name" "$out"
    [ "$rc" = 0 ] || die "$name: consumer $n exited with $rc"
    grep -qx "result $n" <<<"$out" || die "$name: expected 'result $n'"
    if [ "$hooks_lib" = 1 ]; then
      grep -q "^hooks ." <<<"$out" || die "$name: the hooks library was not called"
    fi
  done
}

# The toolchain file searches packages only inside its sysroot
# (CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY), so a prefix outside it is named with rvjit_DIR
# (docs/packaging.md).
# check_c_run NAME EXE: the C consumer (C API) must print "c result 0" and exit 0.
check_c_run() {
  local name=$1 exe=$2 out
  local rc=0
  out=$(HOME=$home "${emulator[@]}" "$exe" 2>&1) || rc=$?
  indent "$name (C)" "$out"
  [ "$rc" = 0 ] || die "$name: C consumer exited with $rc"
  grep -qx "c result 0" <<<"$out" || die "$name: C consumer: expected 'c result 0'"
}

echo "== CMake consumer: find_package(rvjit)"
run "$tmp/configure.log" env HOME="$home" cmake -S "$repo/tests/install/consumer" \
    -B "$tmp/cmake-build" -G "$generator" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="$toolchain" -Drvjit_DIR="$prefix/lib/cmake/rvjit"
grep -F "rvjit $version from $prefix/lib/cmake/rvjit" "$tmp/configure.log" >/dev/null || {
  cat "$tmp/configure.log" >&2; die "the consumer did not find rvjit $version in $prefix"; }
run "$tmp/build.log" env HOME="$home" cmake --build "$tmp/cmake-build"
check_run cmake "$tmp/cmake-build/rvjit_consumer"
check_c_run cmake "$tmp/cmake-build/rvjit_c_consumer"

echo "== pkg-config consumer"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig
unset PKG_CONFIG_SYSROOT_DIR
got_version=$(pkg-config --modversion rvjit) || die "pkg-config does not find rvjit"
[ "$got_version" = "$version" ] || die "pkg-config: version $got_version, expected $version"
flags=$(pkg-config --cflags --libs rvjit)
echo "   pkg-config --cflags --libs rvjit: $flags"
defs=()
[ "$hooks_lib" = 1 ] && defs=(-DRVJIT_CONSUMER_HOOKS_LIB=1)
# shellcheck disable=SC2086  # the flags are a command line
run "$tmp/pc-build.log" env HOME="$home" "$cxx" -std=c++20 -O2 "${defs[@]}" \
    "$repo/tests/install/consumer/main.cpp" $flags -o "$tmp/pc-consumer"
check_run pkg-config "$tmp/pc-consumer"
# shellcheck disable=SC2086
run "$tmp/pc-c-build.log" env HOME="$home" "$cc" -std=c11 -O2 \
    "$repo/tests/install/consumer/main.c" $flags -o "$tmp/pc-c-consumer"
check_c_run pkg-config "$tmp/pc-c-consumer"

echo "install_consumer_test: ok"
