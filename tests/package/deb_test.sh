#!/usr/bin/env bash
# The .deb, end to end on this machine: builds it (the `package` target of the build tree given
# as $1), runs lintian (errors fail), installs it with apt, checks what the package promises
# (files and modes, conffile, the belfry account, /var/lib/belfry, belfryd running as belfry on
# the packaged configuration and running a job), reinstalls it over an admin's changes, purges
# it and checks nothing is left.
#
# Needs root, and a machine where belfry is not installed: it refuses to touch an existing
# installation. Everything it changes is undone on any exit (trap), including the belfry
# account when this run created it (the package itself keeps the account on purge, as Debian
# policy asks). A lock serialises runs from several build trees on one machine.
set -euo pipefail

build_dir=${1:?usage: deb_test.sh BUILD_DIR}
build_dir=$(cd "$build_dir" && pwd)

fail() {
    echo "deb_test: FAIL: $*" >&2
    exit 1
}
step() { echo "deb_test: $*"; }

[[ $EUID -eq 0 ]] || fail "must run as root: it installs and purges the belfry package on this" \
    "machine (run ctest as root, or skip with ctest -LE package)"
for tool in lintian dpkg-shlibdeps apt-get curl setpriv; do
    command -v "$tool" >/dev/null || fail "$tool is missing (scripts/install-deps.sh installs it)"
done

exec 9>/run/lock/belfry-deb-test.lock
flock -w 600 9 || fail "another deb_test has held /run/lock/belfry-deb-test.lock for 10 minutes"

# Refuse to run where purging would destroy someone's installation or data.
if dpkg-query -W -f='${db:Status-Status}' belfry 2>/dev/null | grep -qv '^not-installed$'; then
    fail "the belfry package is already on this machine ($(dpkg-query -W -f='${db:Status-Abbrev}' \
belfry)); this test would purge it. Remove it first: apt-get purge belfry"
fi
for path in /etc/belfry /var/lib/belfry /etc/systemd/system/multi-user.target.wants/belfryd.service; do
    [[ ! -e $path && ! -L $path ]] || fail "$path exists although belfry is not installed;" \
        "this test would delete it. Move it away first"
done

user_existed=no
getent passwd belfry >/dev/null && user_existed=yes
group_existed=no
getent group belfry >/dev/null && group_existed=yes
work=$(mktemp -d /tmp/belfry-deb-test.XXXXXX)
chmod 0755 "$work"
daemon_pid=""
installed=no

cleanup() {
    local rc=$?
    set +e
    if [[ -n $daemon_pid ]] && kill -0 "$daemon_pid" 2>/dev/null; then
        kill -KILL "$daemon_pid"
        wait "$daemon_pid" 2>/dev/null
    fi
    if [[ $installed == yes ]] &&
        dpkg-query -W -f='${db:Status-Status}' belfry 2>/dev/null | grep -qv '^not-installed$'; then
        echo "deb_test: cleanup: purging belfry" >&2
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=120 belfry \
            >/dev/null 2>&1 || dpkg --purge belfry >/dev/null 2>&1
        rm -rf /etc/belfry /var/lib/belfry
    fi
    [[ $user_existed == no ]] && getent passwd belfry >/dev/null && userdel belfry
    [[ $group_existed == no ]] && getent group belfry >/dev/null && groupdel belfry
    rm -rf /etc/systemd/system/belfry-deb-test-job.timer /etc/systemd/system/belfry-deb-test-job.timer.d \
        /etc/systemd/system/timers.target.wants/belfry-deb-test-job.timer /etc/systemd/system/belfry-admin-own.timer
    rm -rf "$work"
    if [[ $rc -eq 0 ]]; then echo "deb_test: PASS"; else echo "deb_test: FAILED (exit $rc)" >&2; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- build -------------------------------------------------------------------------------------
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build_dir/CPackConfig.cmake")
[[ -n $version ]] || fail "no CPACK_PACKAGE_VERSION in $build_dir/CPackConfig.cmake"
deb="$build_dir/belfry_${version}_$(dpkg --print-architecture).deb"
rm -f "$deb"
step "building $deb"
cmake --build "$build_dir" --target package --parallel 2 >"$work/package.log" 2>&1 ||
    { cat "$work/package.log" >&2; fail "the package target failed"; }
[[ -f $deb ]] || { cat "$work/package.log" >&2; fail "the package target did not write $deb"; }
dpkg-deb --info "$deb" | sed 's/^/    /'

# --- lintian -----------------------------------------------------------------------------------
step "lintian"
lintian_rc=0
lintian --fail-on error --display-info "$deb" >"$work/lintian.log" 2>&1 || lintian_rc=$?
sed 's/^/    /' "$work/lintian.log"
[[ $lintian_rc -eq 0 ]] || fail "lintian reports errors (exit $lintian_rc)"
if grep -q '^E: ' "$work/lintian.log"; then fail "lintian reports errors"; fi

# --- install -----------------------------------------------------------------------------------
step "installing"
installed=yes
DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=120 "$deb" \
    >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "apt-get install failed"; }
[[ $(dpkg-query -W -f='${db:Status-Status} ${Version}' belfry) == "installed $version" ]] ||
    fail "belfry $version is not installed: $(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' belfry)"

expect_file() {  # PATH MODE OWNER:GROUP
    [[ -f $1 ]] || fail "$1 is missing"
    local actual
    actual=$(stat -c '%a %U:%G' "$1")
    [[ $actual == "$2 $3" ]] || fail "$1: expected mode $2 and owner $3, found $actual"
}
expect_file /usr/bin/belfryd 755 root:root
expect_file /usr/bin/belfry 755 root:root
expect_file /usr/libexec/belfry/belfry-schedule 755 root:root
expect_file /usr/lib/belfry/belfry-tls.so 644 root:root
expect_file /lib/systemd/system/belfryd.service 644 root:root
expect_file /usr/libexec/belfry/belfry-systemd-helper 755 root:root
expect_file /lib/systemd/system/belfry-systemd-helper.socket 644 root:root
expect_file /lib/systemd/system/belfry-systemd-helper.service 644 root:root
expect_file /usr/lib/sysusers.d/belfry.conf 644 root:root
expect_file /etc/belfry/belfry.properties 644 root:root
expect_file /usr/share/doc/belfry/copyright 644 root:root
expect_file /usr/share/doc/belfry/changelog.gz 644 root:root
zcat /usr/share/doc/belfry/changelog.gz | head -n 1 | grep -q "^belfry ($version) " ||
    fail "the newest entry of installer/deb/changelog is not for $version"
for binary in /usr/bin/belfryd /usr/bin/belfry /usr/libexec/belfry/belfry-schedule \
    /usr/libexec/belfry/belfry-systemd-helper /usr/lib/belfry/belfry-tls.so; do
    file -b "$binary" | grep -q ', stripped' || fail "$binary is not stripped: $(file -b "$binary")"
done
# belfryd loads its TLS module on the first https job: Depends must bring what it links.
if ldd /usr/lib/belfry/belfry-tls.so | grep -q 'not found'; then
    fail "belfry-tls.so has unresolved libraries: $(ldd /usr/lib/belfry/belfry-tls.so | grep 'not found')"
fi
dpkg-query --control-show belfry conffiles | grep -qx '/etc/belfry/belfry.properties' ||
    fail "/etc/belfry/belfry.properties is not a conffile"
if grep -v '^#' /etc/belfry/belfry.properties | grep -q '[^[:space:]]'; then
    fail "the packaged configuration sets keys; every key must be commented out (defaults)"
fi

IFS=: read -r _ _ uid _ _ home shell < <(getent passwd belfry) || fail "no belfry account"
((uid > 0 && uid < 1000)) || fail "belfry's uid $uid is not a system uid"
[[ $home == /var/lib/belfry && $shell == /usr/sbin/nologin ]] ||
    fail "belfry's home and shell are $home and $shell, expected /var/lib/belfry, /usr/sbin/nologin"
getent group belfry >/dev/null || fail "no belfry group"
[[ -d /var/lib/belfry ]] || fail "/var/lib/belfry is missing"
[[ $(stat -c '%a %U:%G' /var/lib/belfry) == "750 belfry:belfry" ]] ||
    fail "/var/lib/belfry: expected 750 belfry:belfry, found $(stat -c '%a %U:%G' /var/lib/belfry)"
# deb-systemd-helper enables the unit even without a running systemd (first boot starts it).
[[ $(readlink /etc/systemd/system/multi-user.target.wants/belfryd.service) == \
    /lib/systemd/system/belfryd.service ]] || fail "belfryd.service is not enabled"
[[ $(readlink /etc/systemd/system/sockets.target.wants/belfry-systemd-helper.socket) == \
    /lib/systemd/system/belfry-systemd-helper.socket ]] || fail "belfry-systemd-helper.socket is not enabled"
[[ $(/usr/libexec/belfry/belfry-systemd-helper --version) == "belfry-systemd-helper $version" ]] ||
    fail "belfry-systemd-helper --version printed '$(/usr/libexec/belfry/belfry-systemd-helper --version)'"

[[ $(/usr/bin/belfryd --version) == "belfryd $version" ]] ||
    fail "belfryd --version printed '$(/usr/bin/belfryd --version)'"
/usr/bin/belfry --version | grep -qF "$version" ||
    fail "belfry --version printed '$(/usr/bin/belfry --version)'"
# `next` runs in the libexec helper: this proves the installed layout finds it.
[[ $(/usr/bin/belfry next '30 2 * * *' --tz UTC --from 2026-01-01T00:00:00Z -n 1) == \
    2026-01-01T02:30:00+00:00 ]] || fail "belfry next did not print the next fire time"

if command -v systemd-analyze >/dev/null; then
    for unit in belfryd.service belfry-systemd-helper.socket belfry-systemd-helper.service; do
        step "systemd-analyze verify $unit"
        # It exits 0 on unknown keys and bad values, but says so: any output is a failure.
        systemd-analyze verify "/lib/systemd/system/$unit" >"$work/verify.log" 2>&1 ||
            { cat "$work/verify.log" >&2; fail "systemd-analyze verify rejects $unit"; }
        [[ ! -s $work/verify.log ]] ||
            { cat "$work/verify.log" >&2; fail "systemd-analyze verify complains about $unit"; }
    done
fi

# What root runs into units comes from the helper's configuration: one that the belfry account
# (or anyone but root) could change is refused before the helper listens.
step "belfry-systemd-helper refuses a configuration belfry could change"
cp /etc/belfry/belfry.properties "$work/helper.properties"
chown belfry "$work/helper.properties"
helper_rc=0
/usr/libexec/belfry/belfry-systemd-helper --config "$work/helper.properties" \
    --socket "$work/helper.sock" 2>"$work/helper.log" || helper_rc=$?
[[ $helper_rc -eq 78 ]] && grep -q "must be owned by root" "$work/helper.log" ||
    fail "the helper accepted a configuration owned by belfry (exit $helper_rc): $(cat "$work/helper.log")"
[[ ! -e $work/helper.sock ]] || fail "the helper listened with a configuration owned by belfry"

# --- belfryd as the belfry user on the packaged configuration ----------------------------------
# What the unit does, without a system manager: the belfry user and group, no new privileges,
# the packaged file plus one override, a free loopback port instead of 8470 (which a developer's
# belfryd may hold), and the default state directory. setpriv execs belfryd itself, so its pid
# is the daemon's.
step "running belfryd as belfry"
config="$work/belfry.properties"
cp /etc/belfry/belfry.properties "$config"
echo "http.listen = 127.0.0.1:0" >>"$config"
chmod 0644 "$config"
env -i PATH=/usr/bin:/bin HOME=/var/lib/belfry LANG=C.UTF-8 \
    setpriv --reuid=belfry --regid=belfry --init-groups --no-new-privs \
    /usr/bin/belfryd --config "$config" >"$work/belfryd.log" 2>&1 &
daemon_pid=$!

endpoint=""
for _ in $(seq 100); do
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/belfryd.log" >&2; fail "belfryd exited at start"; }
    if [[ -s /var/lib/belfry/endpoint ]]; then
        endpoint=$(cat /var/lib/belfry/endpoint)
        curl -fsS --max-time 2 "http://$endpoint/v1/health" >"$work/health.json" 2>/dev/null && break
    fi
    sleep 0.1
done
[[ -s $work/health.json ]] || { cat "$work/belfryd.log" >&2; fail "no answer from /v1/health in 10 s"; }
grep -qF "\"$version\"" "$work/health.json" || fail "/v1/health does not name $version: $(cat "$work/health.json")"
[[ $(ps -o user= -p "$daemon_pid") == belfry ]] || fail "belfryd does not run as belfry"
expect_file /var/lib/belfry/admin.token 600 belfry:belfry
[[ $(stat -c %U /var/lib/belfry/belfry.db) == belfry ]] || fail "belfry.db is not owned by belfry"

# A job runs as the service account, and the CLI finds the service through the same file.
belfry() { /usr/bin/belfry --config "$config" "$@"; }
belfry jobs add deb-test-whoami -- /usr/bin/id -un >/dev/null || fail "belfry jobs add failed"
belfry --json run deb-test-whoami --wait >"$work/run.json" || fail "the job failed: $(cat "$work/run.json")"
grep -q '"output": *"belfry\\n"' "$work/run.json" || fail "the job did not run as belfry: $(cat "$work/run.json")"

kill -TERM "$daemon_pid"
for _ in $(seq 150); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$daemon_pid" 2>/dev/null && fail "belfryd did not stop within 15 s of SIGTERM"
daemon_rc=0
wait "$daemon_pid" || daemon_rc=$?
daemon_pid=""
[[ $daemon_rc -eq 0 ]] || { cat "$work/belfryd.log" >&2; fail "belfryd exited with $daemon_rc on SIGTERM"; }

# --- upgrade (a reinstall runs the same scripts) -------------------------------------------------
# The admin's changes survive: an edited conffile, the state, and a disabled service (what
# `systemctl disable` does is remove the symlink; postinst must not put it back).
step "reinstalling over an edited configuration and a disabled service"
echo "# edited by deb_test" >>/etc/belfry/belfry.properties
edited=$(md5sum </etc/belfry/belfry.properties)
rm /etc/systemd/system/multi-user.target.wants/belfryd.service
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall -o DPkg::Lock::Timeout=120 \
    "$deb" >"$work/reinstall.log" 2>&1 || { cat "$work/reinstall.log" >&2; fail "reinstall failed"; }
[[ $(md5sum </etc/belfry/belfry.properties) == "$edited" ]] || fail "the reinstall replaced the edited conffile"
[[ -f /var/lib/belfry/belfry.db && -f /var/lib/belfry/admin.token ]] || fail "the reinstall lost the state"
[[ ! -e /etc/systemd/system/multi-user.target.wants/belfryd.service ]] ||
    fail "the reinstall enabled belfryd.service again after the admin disabled it"

# --- purge -------------------------------------------------------------------------------------
# Job units belfryd wrote (they carry its digest line) go with the package, drop-ins included;
# an admin's own unit that merely shares the prefix stays.
units=/etc/systemd/system
job_unit() {  # NAME: a job timer as belfryd writes it, enabled
    printf '# Managed by Belfry; edits are reported as drift.\n# belfry-digest: 0\n[Timer]\nOnCalendar=daily\n' \
        >"$units/belfry-$1.timer"
    mkdir -p "$units/timers.target.wants" "$units/belfry-$1.timer.d"
    ln -sf "$units/belfry-$1.timer" "$units/timers.target.wants/belfry-$1.timer"
    echo "[Timer]" >"$units/belfry-$1.timer.d/override.conf"
}
job_unit deb-test-job
printf '[Timer]\nOnCalendar=daily\n' >"$units/belfry-admin-own.timer"
step "purging"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o DPkg::Lock::Timeout=120 belfry \
    >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "apt-get purge failed"; }
installed=no
if dpkg -L belfry >/dev/null 2>&1; then fail "dpkg -L belfry still lists files after purge"; fi
for path in /usr/bin/belfryd /usr/bin/belfry /lib/systemd/system/belfryd.service \
    /usr/libexec/belfry/belfry-systemd-helper /lib/systemd/system/belfry-systemd-helper.socket \
    /lib/systemd/system/belfry-systemd-helper.service \
    /etc/systemd/system/sockets.target.wants/belfry-systemd-helper.socket \
    /usr/lib/sysusers.d/belfry.conf /usr/share/doc/belfry /etc/belfry /var/lib/belfry \
    /etc/systemd/system/multi-user.target.wants/belfryd.service \
    /var/lib/systemd/deb-systemd-helper-enabled/belfryd.service.dsh-also; do
    [[ ! -e $path && ! -L $path ]] || fail "$path is still there after purge"
done
for path in "$units/belfry-deb-test-job.timer" "$units/timers.target.wants/belfry-deb-test-job.timer" \
    "$units/belfry-deb-test-job.timer.d"; do
    [[ ! -e $path && ! -L $path ]] || fail "$path (a job unit) is still there after purge"
done
[[ -f $units/belfry-admin-own.timer ]] || fail "purge removed an admin's own belfry-admin-own.timer"
rm -f "$units/belfry-admin-own.timer"
# Debian policy: the account stays (files it owns elsewhere must not pass to a reused uid).
getent passwd belfry >/dev/null || fail "purge removed the belfry account"
