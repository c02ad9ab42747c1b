#!/usr/bin/env bash
# One idempotent setup step, run by both README commands. Installs by package name
# everything the build and tests need, then builds the RV64 third-party libraries into
# the cache (scripts/third-party.sh). On a machine where all is present it only checks.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/progress.sh"
logs=${RVJIT_LOG_DIR:-$(cd "$here/.." && pwd)/build/logs}

# Packages from the release itself.
base_pkgs=(
  cmake ninja-build ccache pkg-config g++ clang libclang-rt-14-dev dpkg-dev
  g++-riscv64-linux-gnu
  llvm-19-dev libzstd-dev
  libgtest-dev libbenchmark-dev
  flex bison bc cpio libelf-dev libssl-dev rsync linux-source-6.12
  gdb-multiarch python3
  chromium
  libglib2.0-dev python3-venv
  libfdt-dev  # qemu-system-riscv64 for the icache checker (scripts/qemu-plugin-system.sh)
)
# Packages that must come from backports (newer QEMU knows the extensions we emit).
backport_pkgs=(qemu-user qemu-system-riscv opensbi)
# Build dependencies of the plugin-capable qemu-riscv64 (scripts/qemu-plugin-user.sh):
# QEMU 10 needs meson >= 1.5 and pycotap, both only in backports.
backport_pkgs+=(meson python3-pycotap)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

missing=()
for p in "${base_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
need_bp=()
for p in "${backport_pkgs[@]}"; do
  v=$(dpkg-query -W -f='${Status} ${Version}' "$p" 2>/dev/null || true)
  case "$v" in *"install ok installed"*bpo*) ;; *) need_bp+=("$p") ;; esac
done

# apt's progress: packages set up so far out of those it said it would install.
apt_probe() {
  local total done_n
  total=$(grep -oE '[0-9]+ newly installed' "$1" | tail -n 1 | cut -d' ' -f1)
  done_n=$(grep -c '^Setting up ' "$1" || true)
  printf '%s/%s packages set up' "$done_n" "${total:-?}"
}

if [ ${#missing[@]} -gt 0 ] || [ ${#need_bp[@]} -gt 0 ]; then
  progress_step "setup: installing ${#missing[@]} packages and ${#need_bp[@]} from backports" \
    "(${missing[*]} ${need_bp[*]}); apt's output goes to $logs/apt.log"
  mkdir -p "$logs"
  : >"$logs/apt.log"
  $SUDO bash "$here/apt-sources.sh" >>"$logs/apt.log" 2>&1
  export DEBIAN_FRONTEND=noninteractive
  progress_run "apt-get update" "$logs/apt-update.log" "" $SUDO apt-get update -q
  if [ ${#missing[@]} -gt 0 ]; then
    progress_run "apt-get install" "$logs/apt.log" apt_probe \
      $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  if [ ${#need_bp[@]} -gt 0 ]; then
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    progress_run "apt-get install (backports)" "$logs/apt-backports.log" apt_probe \
      $SUDO apt-get install -y -q --no-install-recommends -t "$codename-backports" "${need_bp[@]}"
  fi
else
  echo "setup: all packages present"
fi

bash "$here/third-party.sh"
# The icache checker's user-mode emulator (tools/icache-check): built once, cached.
bash "$here/qemu-plugin-user.sh"
