# Debian's qemu source package for the plugin-capable QEMU builds (sourced by
# scripts/qemu-plugin-user.sh and scripts/qemu-plugin-system.sh). Needs $src (where sources
# are kept) and $codename; the deb-src entries come from scripts/apt-sources.sh.

# Prints the unpacked source directory, fetching and unpacking the orig tarball once.
fetch_qemu() {
  local dir tarball
  dir=$(ls -d "$src"/qemu-[0-9]*/ 2>/dev/null | head -n1 || true)
  if [ -z "$dir" ]; then
    tarball=$(ls "$src"/qemu_*.orig.tar.* 2>/dev/null | head -n1 || true)
    if [ -z "$tarball" ]; then
      (cd "$src" && apt-get source -qq --download-only -t "$codename-backports" qemu \
         >/dev/null 2>&1) || true
      tarball=$(ls "$src"/qemu_*.orig.tar.* 2>/dev/null | head -n1 || true)
    fi
    if [ -z "$tarball" ]; then
      echo "qemu-plugin: 'apt-get source --download-only -t $codename-backports qemu'" \
           "brought no orig tarball (deb-src entry missing? run scripts/apt-sources.sh)" >&2
      exit 1
    fi
    local v; v=$(basename "$tarball"); v=${v#qemu_}; v=${v%.orig.tar.*}
    rm -rf "$src/qemu-$v.tmp"; mkdir -p "$src/qemu-$v.tmp"
    tar -xf "$tarball" -C "$src/qemu-$v.tmp" --strip-components=1
    mv "$src/qemu-$v.tmp" "$src/qemu-$v"
    dir=$src/qemu-$v
  fi
  echo "${dir%/}"
}

# QEMU 10.0's plugin code generator bakes the TRANSLATING vCPU's index into a translation
# block as a constant when the block is not CF_PARALLEL (accel/tcg/plugin-gen.c,
# gen_cpu_index). Under system-mode round-robin TCG (-accel tcg,thread=single) blocks are
# shared by every vCPU, so a callback of vCPU 1 running a block that vCPU 0 translated is
# told "vCPU 0" (and scoreboard slots are mixed up the same way): a per-hart model sees
# one hart's fence.i as another's. Loading cpu_index at run time, as the parallel case does,
# is always correct. Idempotent; exits if the code it patches is not there.
patch_qemu_plugin_cpu_index() {
  local f=$1/accel/tcg/plugin-gen.c
  grep -q 'rvjit: cpu_index at run time' "$f" && return 0
  grep -q 'if (!tcg_cflags_has(current_cpu, CF_PARALLEL)) {' "$f" || {
    echo "qemu-plugin: $f: gen_cpu_index() is not the QEMU 10.0 code this patch expects" >&2
    exit 1
  }
  sed -i 's|if (!tcg_cflags_has(current_cpu, CF_PARALLEL)) {|if (0 /* rvjit: cpu_index at run time */ \&\& !tcg_cflags_has(current_cpu, CF_PARALLEL)) {|' "$f"
}
