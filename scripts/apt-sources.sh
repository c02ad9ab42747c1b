#!/usr/bin/env bash
# Enables bookworm-backports and deb-src entries by deriving them from the machine's own
# configured Debian entry. The repository never names an archive host: the URI is copied
# from whatever this machine already uses (deb822 .sources or a one-line sources.list).
# Idempotent: prints whether anything changed (exit 0), so the caller knows to run update.
set -euo pipefail

out=/etc/apt/sources.list.d/rvjit-derived.sources
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")

# First URI of a Debian main-archive entry (not -security, not third-party repositories).
find_uri() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v cn="$codename" '
      /^[[:space:]]*$/ { if (uri != "" && suites ~ ("(^| )" cn "( |$)")) { print uri; exit } uri=""; suites="" ; next }
      /^URIs:/   { uri=$2 }
      /^Suites:/ { $1=""; suites=$0 }
      END { if (uri != "" && suites ~ ("(^| )" cn "( |$)")) print uri }
    ' "$f" | head -n1
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v cn="$codename" '$1=="deb" { i=2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                                        if ($(i+1)==cn) { print $i; exit } }' "$f"
  done
}

uri=$(find_uri | head -n1)
if [ -z "$uri" ]; then
  echo "apt-sources: no Debian '$codename' entry found in /etc/apt; cannot derive backports/deb-src" >&2
  exit 1
fi

want=$(cat <<SRC
# Written by rvjit scripts/apt-sources.sh, derived from this machine's own Debian entry.
Types: deb deb-src
URIs: $uri
Suites: $codename-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: $uri
Suites: $codename
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
)
if [ -f "$out" ] && [ "$(cat "$out")" = "$want" ]; then
  echo unchanged
else
  printf '%s\n' "$want" > "$out"
  echo changed
fi
