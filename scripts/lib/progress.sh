# shellcheck shell=bash
# Progress output for the README's scripts (run.sh, test.sh and what they call): what step
# runs, how far along it is, how long the last one took, and where its log is. Sourced,
# not run. Every line starts with "==> " (a step) or "    " (inside a step), so a reader
# (or grep) tells them from the tools' own output.
#
#   progress_step "build rv64"                 ==> [12:03:04] build rv64
#   progress_run LABEL LOG PROBE CMD...        runs CMD with stdout+stderr to LOG; every
#        RVJIT_HEARTBEAT seconds (default 30) prints
#          "    ... still LABEL: <PROBE's answer>, 2m30s so far (log: LOG)"
#        and at the end "    LABEL: done in 1m12s (log: LOG)" or, on failure, the last 30
#        lines of LOG and "    LABEL: FAILED (exit N) after 1m12s (log: LOG)". Returns CMD's
#        exit status. PROBE is a function printing how far CMD is ("812/2040 steps"), or
#        "" for none. CMD runs in the foreground: Ctrl-C stops it.
#   progress_ninja_probe LOG                   "N/M build steps" from ninja's [N/M] lines
#   progress_duration SECONDS                  "45s", "2m05s", "1h02m"
#
# Heartbeats are time based (not per line), so a long step prints one line per interval
# however much its tool writes to the log.

progress_duration() {
  local s=$1
  if [ "$s" -lt 60 ]; then printf '%ds' "$s"
  elif [ "$s" -lt 3600 ]; then printf '%dm%02ds' $((s / 60)) $((s % 60))
  else printf '%dh%02dm' $((s / 3600)) $((s % 3600 / 60)); fi
}

progress_step() {
  printf '==> [%s] %s\n' "$(date +%H:%M:%S)" "$*"
}

progress_ninja_probe() {
  local last
  last=$(grep -oE '^\[[0-9]+/[0-9]+\]' "$1" 2>/dev/null | tail -n 1 | tr -d '[]')
  [ -n "$last" ] && printf '%s build steps' "$last" || printf 'configuring'
}

progress_run() {
  local label=$1 log=$2 probe=$3
  shift 3
  local every=${RVJIT_HEARTBEAT:-30}
  mkdir -p "$(dirname "$log")"
  local start rc=0 heartbeat
  start=$(date +%s)
  # The heartbeat runs beside the command (which stays in the foreground, so Ctrl-C
  # reaches it); it sleeps in 1 s steps so that it ends within a second of being killed.
  (
    next=$((start + every))
    while sleep 1; do
      now=$(date +%s)
      [ "$now" -ge "$next" ] || continue
      how=""
      [ -n "$probe" ] && how="$("$probe" "$log" 2>/dev/null), "
      printf '    ... still %s: %s%s so far (log: %s)\n' "$label" "$how" \
        "$(progress_duration $((now - start)))" "$log"
      next=$((now + every))
    done
  ) &
  heartbeat=$!
  "$@" >"$log" 2>&1 || rc=$?
  kill "$heartbeat" 2>/dev/null || true
  wait "$heartbeat" 2>/dev/null || true
  local took
  took=$(progress_duration $(( $(date +%s) - start )))
  if [ "$rc" -eq 0 ]; then
    printf '    %s: done in %s (log: %s)\n' "$label" "$took" "$log"
  else
    echo "    ---- last 30 lines of $log ----"
    tail -n 30 "$log" | sed 's/^/    | /'
    printf '    %s: FAILED (exit %d) after %s (log: %s)\n' "$label" "$rc" "$took" "$log"
  fi
  return "$rc"
}
