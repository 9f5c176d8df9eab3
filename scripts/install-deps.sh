#!/usr/bin/env bash
# Installs what Belfry needs to build and test on Debian 12, from Debian's archive only.
# Idempotent: packages already present are left alone, and apt is not touched at all when
# nothing is missing. Needs root (or sudo) only when something must be installed.
set -euo pipefail

packages=(
    # build
    cmake ninja-build g++ pkg-config clang-format
    # libraries (see README "Dependencies" for why each is there)
    libpoco-dev libsqlite3-dev sqlite3 libspdlog-dev libfmt-dev nlohmann-json3-dev
    libhowardhinnant-date-dev tzdata libsystemd-dev libssl-dev ca-certificates
    # tests (openssl: throwaway certificates for the https tests)
    libgtest-dev libgmock-dev openssl
    # the systemd tests: systemctl, systemd-analyze and the sandboxed manager; unshare
    systemd util-linux
    # packaging: the .deb (dpkg-shlibdeps and file for CPack's Depends), lintian and curl for
    # tests/package/deb_test.sh
    dpkg-dev file lintian curl
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[[ $EUID -ne 0 ]] && sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
