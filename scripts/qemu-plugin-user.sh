#!/usr/bin/env bash
# Builds a plugin-capable qemu-riscv64 (user mode) from Debian's qemu source package, once,
# into the cache (default ~/.cache/rvjit, override with RVJIT_CACHE). Debian's qemu-user is
# static and has no -plugin; the icache checker (tools/icache-check) needs one. Rebuilt only
# when its stamp (source version + this script's recipe) is missing or changed.
# Prints nothing but progress; the binary is $cache/qemu-plugin/bin/qemu-riscv64 and the
# plugin API header is $cache/qemu-plugin/include/qemu-plugin.h.
# A lock serialises concurrent callers (several worktrees share the cache).
set -euo pipefail
. "$(dirname "$0")/lib/progress.sh"
. "$(dirname "$0")/lib/qemu-source.sh"
cache=${RVJIT_CACHE:-$HOME/.cache/rvjit}
src=$cache/src
out=$cache/qemu-plugin
mkdir -p "$src" "$out"
recipe=$(cat "$0" "$(dirname "$0")/lib/qemu-source.sh" | sha256sum | cut -c1-16)
jobs=$(nproc)
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")

exec 9>"$cache/.qemu-plugin.lock"
flock 9

# The source version the archive offers from backports (the same QEMU the project installs).
# The archive may serve only the orig tarball of the backports version (its .dsc/.debian
# parts have 404'd here), so download what it has and unpack the upstream tarball ourselves:
# the build needs no Debian patches.
dir=$(fetch_qemu)
patch_qemu_plugin_cpu_index "$dir"
# The plugin API header first: system-mode plugins need only it (Debian's qemu-system-riscv64
# already loads plugins), so it is there even while or if the user-mode build fails.
mkdir -p "$out/include"
install -m 644 "$dir/include/qemu/qemu-plugin.h" "$out/include/qemu-plugin.h"
want="$(basename "$dir") $recipe"
stamp=$out/.stamp
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$out/bin/qemu-riscv64" ]; then
  echo "qemu-plugin: ready ($out/bin/qemu-riscv64)"
  exit 0
fi

echo "qemu-plugin: building qemu-riscv64 with plugins from $(basename "$dir") (a few minutes)"
b=$cache/build/qemu-plugin
log=$cache/build/qemu-plugin.log
rm -rf "$b"; mkdir -p "$b"
# Only the riscv64 user-mode target; no optional features, no downloads: meson and pycotap
# come from the distribution (scripts/setup.sh), so configure must use the distribution's
# python3, not whatever python3 comes first on PATH (pyenv and the like). The "+ds" source
# has no firmware blobs, so they are not installed.
progress_run "configure qemu-riscv64 (plugins)" "$log.configure" "" \
  sh -c 'cd "$1" && shift && exec "$@"' sh "$b" "$dir/configure" --python=/usr/bin/python3 \
    --target-list=riscv64-linux-user --enable-plugins --disable-system --disable-tools \
    --disable-docs --without-default-features --disable-download --disable-werror \
    --disable-install-blobs || exit 1
progress_run "build qemu-riscv64 (plugins)" "$log" progress_ninja_probe \
  make -C "$b" -j"$jobs" qemu-riscv64 || exit 1
mkdir -p "$out/bin"
install -m 755 "$b/qemu-riscv64" "$out/bin/qemu-riscv64"
rm -rf "$b"
echo "$want" > "$stamp"
echo "qemu-plugin: ready ($out/bin/qemu-riscv64)"
