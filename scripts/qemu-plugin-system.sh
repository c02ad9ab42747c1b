#!/usr/bin/env bash
# Builds the qemu-system-riscv64 that the icache checker's system mode runs under, from
# Debian's qemu source package with one fix (scripts/lib/qemu-source.sh,
# patch_qemu_plugin_cpu_index): Debian's own binary tells a plugin the wrong vCPU under
# -accel tcg,thread=single, which the per-hart model cannot work with. Built once into the
# cache (default ~/.cache/rvjit, override with RVJIT_CACHE), only when a system-mode icache
# run asks for it (scripts/system-test.sh with RVJIT_SYSTEM_PLUGIN=1); 10-20 minutes on two
# cores. Rebuilt only when its stamp (source version + recipe) is missing or changed.
# Prints progress; the binary is $cache/qemu-plugin/bin/qemu-system-riscv64. Firmware
# (OpenSBI) comes from Debian's /usr/share/qemu (pass -L /usr/share/qemu).
set -euo pipefail
. "$(dirname "$0")/lib/progress.sh"
. "$(dirname "$0")/lib/qemu-source.sh"
cache=${RVJIT_CACHE:-$HOME/.cache/rvjit}
src=$cache/src
out=$cache/qemu-plugin
mkdir -p "$src" "$out/bin"
recipe=$(cat "$0" "$(dirname "$0")/lib/qemu-source.sh" | sha256sum | cut -c1-16)
jobs=$(nproc)
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")

exec 9>"$cache/.qemu-plugin.lock"
flock 9

dir=$(fetch_qemu)
patch_qemu_plugin_cpu_index "$dir"
# Debian's +ds tarball has no EDK2 firmware blobs; meson would unpack them whenever bzip2
# is installed. rvjit boots with OpenSBI from Debian's package, so skip them.
sed -i 's/^    unpack_edk2_blobs = bzip2.found()$/    unpack_edk2_blobs = false/' "$dir/meson.build"
want="$(basename "$dir") $recipe"
stamp=$out/.stamp-system
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$out/bin/qemu-system-riscv64" ]; then
  echo "qemu-plugin: ready ($out/bin/qemu-system-riscv64)"
  exit 0
fi

echo "qemu-plugin: building qemu-system-riscv64 with plugins from $(basename "$dir") (10-20 minutes, once)"
b=$cache/build/qemu-plugin-system
log=$cache/build/qemu-plugin-system.log
rm -rf "$b"; mkdir -p "$b"
progress_run "configure qemu-system-riscv64 (plugins)" "$log.configure" "" \
  sh -c 'cd "$1" && shift && exec "$@"' sh "$b" "$dir/configure" --python=/usr/bin/python3 \
    --target-list=riscv64-softmmu --enable-plugins --disable-user --disable-tools \
    --disable-docs --without-default-features --enable-fdt=system --disable-download \
    --disable-werror --disable-install-blobs || exit 1
progress_run "build qemu-system-riscv64 (plugins)" "$log" progress_ninja_probe \
  make -C "$b" -j"$jobs" qemu-system-riscv64 || exit 1
install -m 755 "$b/qemu-system-riscv64" "$out/bin/qemu-system-riscv64"
rm -rf "$b"
echo "$want" > "$stamp"
echo "qemu-plugin: ready ($out/bin/qemu-system-riscv64)"
