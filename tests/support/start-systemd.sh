#!/usr/bin/env bash
# start-systemd.sh - Belfry's test sandbox: a private, real systemd manager (`systemd --user`, run
# as root) on a machine where systemd is not PID 1, so tests can create, enable and disable real
# timers with `systemctl --user`. The CTest fixture `systemd_sandbox` (tests/systemd) runs it once.
#
# Usage:   [BELFRY_SD_KEEP=1] start-systemd.sh [STATE_DIR]   (default: /tmp/belfry-systemd)
# Then:    source STATE_DIR/env && systemctl --user list-timers
# Stop:    stop-systemd.sh [STATE_DIR] [--purge]
#
# Works on Debian 12 (systemd 252) with cgroup v1-hybrid, pure cgroup v2 or legacy v1, and on a
# systemd-booted host. Needs root (cgroup mkdir, mount namespace). Nothing is mounted on the host:
# the only mount (a tmpfs over /run/systemd, so that the manager's sd_booted() check passes)
# lives in a private mount namespace that disappears with the manager. Limits: user scope only
# (there is no system manager), no journald (job output goes to STATE_DIR/manager.log).
set -euo pipefail

DIR=${1:-${BELFRY_SD_DIR:-/tmp/belfry-systemd}}
SYSTEMD_BIN=/lib/systemd/systemd

if [[ -e "$DIR/manager.pid" ]] && kill -0 "$(cat "$DIR/manager.pid")" 2>/dev/null; then
    echo "start-systemd: a manager is already running for $DIR (pid $(cat "$DIR/manager.pid"))" >&2
    exit 1
fi
[[ $EUID -eq 0 ]] || { echo "start-systemd: must run as root" >&2; exit 1; }
if [[ ! -x $SYSTEMD_BIN ]] || ! command -v unshare >/dev/null || ! command -v systemctl >/dev/null; then
    echo "start-systemd: installing systemd (apt-get)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd util-linux >/dev/null
fi

# BELFRY_SD_KEEP=1 keeps units, enable-symlinks and Persistent= stamps from a
# previous run (to test restarts/catch-up); default is a clean slate.
if [[ ${BELFRY_SD_KEEP:-0} == 1 ]]; then rm -rf "$DIR/run"; else rm -rf "$DIR"; fi
mkdir -p "$DIR"/{run,config/systemd/user,data,state,cache}
chmod 700 "$DIR/run"                      # XDG_RUNTIME_DIR must be 0700 and owned by us
DIR=$(cd "$DIR" && pwd)

# Manager defaults: job output goes to the manager log (there is no journald
# here), timers default to 1s accuracy instead of 1min.
cat > "$DIR/config/systemd/user.conf" <<'EOF'
[Manager]
DefaultStandardOutput=inherit
DefaultStandardError=inherit
DefaultTimerAccuracySec=1s
EOF

# --- a cgroup of our own, so the manager never touches the sandbox's cgroups.
CG="belfry-sd-$$-$(date +%s)"
CGPATHS=()
if [[ "$(stat -fc %T /sys/fs/cgroup)" == cgroup2fs ]]; then          # pure v2
    CGPATHS+=("/sys/fs/cgroup/$CG")
else                                                                # v1 / hybrid
    [[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" == cgroup2fs ]] && CGPATHS+=("/sys/fs/cgroup/unified/$CG")
    [[ -d /sys/fs/cgroup/systemd ]] && CGPATHS+=("/sys/fs/cgroup/systemd/$CG")
fi
[[ ${#CGPATHS[@]} -gt 0 ]] || { echo "start-systemd: no usable cgroup hierarchy under /sys/fs/cgroup" >&2; exit 1; }
for p in "${CGPATHS[@]}"; do mkdir "$p"; done

# sd_booted() in the manager requires /run/systemd/system. Creating it on the
# host would make apt/deb-systemd-invoke believe systemd is PID 1 (and try to
# start services), so fake it only inside a private mount namespace. Decide by
# PID 1 itself, not by /run/systemd/system (someone else may have created that).
if [[ "$(cat /proc/1/comm 2>/dev/null)" == systemd ]]; then FAKE_BOOTED=0; else FAKE_BOOTED=1; fi

cat > "$DIR/env" <<EOF
# source me: environment for systemctl --user / systemd-run --user / Belfry
export XDG_RUNTIME_DIR=$DIR/run
export XDG_CONFIG_HOME=$DIR/config
export XDG_DATA_HOME=$DIR/data
export XDG_STATE_HOME=$DIR/state
export XDG_CACHE_HOME=$DIR/cache
export DBUS_SESSION_BUS_ADDRESS=unix:path=$DIR/run/bus
export BELFRY_SYSTEMD_UNIT_DIR=$DIR/config/systemd/user
export BELFRY_SYSTEMD_PRIVATE_SOCKET=$DIR/run/systemd/private
EOF
printf '%s\n' "${CGPATHS[@]}" > "$DIR/cgroups"

T0=$(date +%s.%N)
# setsid: own session/process group, detached from the caller's terminal.
# The inner bash moves itself into our cgroup(s), then execs unshare -> sh -> systemd.
setsid bash -c '
    for p in $(cat "$1/cgroups"); do echo $$ > "$p/cgroup.procs"; done
    . "$1/env"
    if [ "$2" = 1 ]; then
        # PID 1 would also have made /run/systemd/inaccessible: the nodes that ProtectHome=,
        # ProtectKernelTunables= and InaccessiblePaths= mount over what they hide. Without them
        # such services fail with 226/NAMESPACE.
        exec unshare --mount --propagation private sh -c \
          "mount -t tmpfs -o mode=755 belfry-sd /run/systemd && mkdir /run/systemd/system &&
           mkdir -m 0000 /run/systemd/inaccessible && cd /run/systemd/inaccessible &&
           mkdir -m 0000 dir && touch reg && mkfifo -m 0000 fifo && mknod -m 0000 chr c 0 0 &&
           mknod -m 0000 blk b 0 0 && chmod 0000 reg && chmod 0755 . && cd / && exec $3 --user"
    else
        exec $3 --user
    fi' belfry-sd "$DIR" "$FAKE_BOOTED" "$SYSTEMD_BIN" \
    > "$DIR/manager.log" 2>&1 < /dev/null &
echo $! > "$DIR/manager.pid"      # same PID as systemd after the execs

# shellcheck disable=SC1091
. "$DIR/env"
for _ in $(seq 1 200); do                     # up to 20 s
    if ! kill -0 "$(cat "$DIR/manager.pid")" 2>/dev/null; then
        echo "start-systemd: manager died; log:" >&2; cat "$DIR/manager.log" >&2; exit 1
    fi
    if [[ -S $XDG_RUNTIME_DIR/systemd/private ]] &&
       [[ "$(systemctl --user show -p SystemState --value 2>/dev/null)" == running ]]; then
        T1=$(date +%s.%N)
        echo "systemd --user manager up: pid $(cat "$DIR/manager.pid"), $(awk "BEGIN{printf \"%.2f\", $T1-$T0}") s"
        echo "  reach it with:   source $DIR/env; systemctl --user <verb> ...; systemd-run --user ..."
        echo "  unit dir:        $BELFRY_SYSTEMD_UNIT_DIR"
        echo "  private socket:  $BELFRY_SYSTEMD_PRIVATE_SOCKET   (sd-bus: unix:path=..., no dbus-daemon needed)"
        echo "  manager log:     $DIR/manager.log   (job stdout/stderr land here too)"
        echo "  stop with:       $(dirname "$(readlink -f "$0")")/stop-systemd.sh $DIR"
        exit 0
    fi
    sleep 0.1
done
echo "start-systemd: manager did not become ready in 20 s; log:" >&2; cat "$DIR/manager.log" >&2
exit 1
