#!/usr/bin/env bash
# Builds the third-party libraries rvjit links, from Debian source packages, into a cache
# outside git (default ~/.cache/rvjit, override with RVJIT_CACHE). Each library is rebuilt
# only when its stamp (source version + this script's recipe) is missing or changed.
#   AsmJit   arch-neutral core only (JitAllocator, VirtMem dual mapping): rv64 and host
#   mimalloc static, for the runtime's dedicated metadata heap:          rv64 and host
#   GoogleTest from /usr/src/googletest:                                rv64 (host uses the .deb)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$here/lib/progress.sh"
cache=${RVJIT_CACHE:-$HOME/.cache/rvjit}
src=$cache/src
mkdir -p "$src"
toolchain=$repo/cmake/riscv64-linux-gnu.cmake
# What a library's stamp depends on besides its source version: the toolchain file, the
# flags below and recipe_version. Bump recipe_version when the build commands in
# cmake_build change; output-only edits of this script (progress lines) rebuild nothing.
recipe_version=2
jobs=$(nproc)

fetch_source() {            # $1 = Debian source package; prints the unpacked directory
  local pkg=$1 dir
  dir=$(ls -d "$src/$pkg"-*/ 2>/dev/null | head -n1 || true)
  if [ -z "$dir" ]; then
    # Progress goes to stderr: stdout is the directory this function returns.
    progress_run "third-party: fetching source $pkg" "$cache/build/source-$pkg.log" "" \
      bash -c 'cd "$1" && apt-get source -q "$2"' _ "$src" "$pkg" >&2 || {
      echo "third-party: 'apt-get source $pkg' failed (deb-src entry missing? run scripts/apt-sources.sh)" >&2
      exit 1; }
    dir=$(ls -d "$src/$pkg"-*/ | head -n1)
  fi
  echo "${dir%/}"
}

# cmake_build NAME ARCH SRC_DIR [cmake args...]: configure, build, install into $cache/ARCH.
cmake_build() {
  local name=$1 arch=$2 dir=$3; shift 3
  local prefix=$cache/$arch stamp=$cache/$arch/.stamp-$name
  local want="$(basename "$dir") $recipe"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  built=$((built + 1))
  progress_step "third-party: building $name for $arch"
  local tc=()
  [ "$arch" = rv64 ] && tc=(-DCMAKE_TOOLCHAIN_FILE="$toolchain")
  local b=$cache/build/$arch-$name
  rm -rf "$b"; mkdir -p "$cache/build"
  progress_run "configure $name ($arch)" "$b.configure.log" "" \
    cmake -S "$dir" -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
        "${tc[@]}" "$@" || exit 1
  progress_run "build $name ($arch)" "$b.log" progress_ninja_probe \
    cmake --build "$b" -j"$jobs" || exit 1
  cmake --install "$b" >>"$b.log" 2>&1 || { tail -30 "$b.log"; exit 1; }
  rm -rf "$b"; mkdir -p "$cache/build"
  echo "$want" > "$stamp"
}

built=0
mkdir -p "$cache/build"
asmjit=$(fetch_source asmjit)
mimalloc=$(fetch_source mimalloc)

# AsmJit has no RISC-V backend; its core is arch-neutral. With both backends disabled
# core/archtraits.cpp misses the Environment declaration: force-include its header.
asmjit_flags=(-DASMJIT_STATIC=ON -DASMJIT_NO_X86=ON -DASMJIT_NO_AARCH64=ON
              -DASMJIT_NO_AARCH32=ON -DASMJIT_NO_FOREIGN=ON -DASMJIT_NO_BUILDER=ON
              -DASMJIT_NO_COMPILER=ON -DASMJIT_NO_LOGGING=ON -DASMJIT_NO_TEXT=ON
              -DASMJIT_NO_VALIDATION=ON -DASMJIT_NO_INTROSPECTION=ON
              "-DCMAKE_CXX_FLAGS=-include $asmjit/src/asmjit/core/environment.h")
mimalloc_flags=(-DMI_BUILD_SHARED=OFF -DMI_BUILD_OBJECT=OFF -DMI_BUILD_TESTS=OFF
                -DMI_OVERRIDE=OFF -DMI_INSTALL_TOPLEVEL=ON)

# Contents only (sha256sum of named files would also hash their paths, and every clone
# at a new location would rebuild).
recipe=$( { echo "recipe $recipe_version"; cat "$toolchain"; printf '%s\n' "${asmjit_flags[@]}" \
            "${mimalloc_flags[@]}" | sed "s|$asmjit|<asmjit>|"; } | sha256sum | cut -c1-16)

for arch in rv64 host; do
  cmake_build asmjit "$arch" "$asmjit" "${asmjit_flags[@]}"
  cmake_build mimalloc "$arch" "$mimalloc" "${mimalloc_flags[@]}"
done
cmake_build googletest rv64 /usr/src/googletest -DINSTALL_GTEST=ON -DBUILD_GMOCK=ON
if [ "$built" -eq 0 ]; then
  echo "third-party: all present in $cache"
else
  echo "third-party: $built libraries built, ready in $cache"
fi
