#!/usr/bin/env bash
# stop-systemd.sh - stops the manager that start-systemd.sh started, kills anything left in its
# cgroups (by PID, never by name) and removes those cgroups. Idempotent: safe to run twice, and
# when nothing was started.
# Usage: stop-systemd.sh [STATE_DIR] [--purge]   (--purge also deletes STATE_DIR)
set -uo pipefail
DIR=${1:-${BELFRY_SD_DIR:-/tmp/belfry-systemd}}
PURGE=0; [[ "${2:-}" == --purge ]] && PURGE=1
[[ -d $DIR ]] || { echo "stop-systemd: no $DIR"; exit 0; }

PID=$(cat "$DIR/manager.pid" 2>/dev/null || true)
if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then
    # shellcheck disable=SC1091
    . "$DIR/env"
    systemctl --user exit 2>/dev/null || kill -TERM "$PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PID" 2>/dev/null && { echo "stop-systemd: manager $PID did not exit, SIGKILL"; kill -KILL "$PID"; sleep 0.2; }
fi

# Anything still inside our cgroups was started by this manager: kill by PID.
if [[ -f $DIR/cgroups ]]; then
    for _ in 1 2 3; do
        left=$(cat $(find $(cat "$DIR/cgroups") -name cgroup.procs 2>/dev/null) 2>/dev/null | sort -u)
        [[ -z $left ]] && break
        for p in $left; do kill -KILL "$p" 2>/dev/null; done
        sleep 0.2
    done
    while read -r cg; do
        [[ -d $cg ]] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
        [[ -d $cg ]] && echo "stop-systemd: could not remove $cg" >&2
    done < "$DIR/cgroups"
fi
rm -f "$DIR/manager.pid"
[[ $PURGE == 1 ]] && rm -rf "$DIR"
echo "stop-systemd: stopped"
