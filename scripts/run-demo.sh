#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running Belfry: installs what is missing,
# builds, and starts belfryd in the foreground on its embedded defaults (SQLite in
# build/demo-state) with a demo job. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build -DBELFRY_BUILD_TESTS=OFF -DBELFRY_BUILD_BENCH=OFF

state=$PWD/build/demo-state
mkdir -p "$state"
config=$state/belfry.properties
cat > "$config" <<CONF
# Demo configuration written by scripts/run-demo.sh; every key is described in README.md.
http.listen = 127.0.0.1:8470
state.dir = $state
log.file = $state/belfryd.log
scheduler.backend = auto
CONF

./build/bin/belfryd --config "$config" &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null; wait $daemon' EXIT INT TERM

belfry=(./build/bin/belfry --config "$config")
for _ in $(seq 100); do "${belfry[@]}" jobs list >/dev/null 2>&1 && break; sleep 0.1; done
"${belfry[@]}" jobs show hello-demo >/dev/null 2>&1 ||
    "${belfry[@]}" jobs add hello-demo --description "Belfry demo job" --every 1m -- /bin/sh -c 'echo "hello from belfry at $(date)"'
"${belfry[@]}" run hello-demo --wait || true

cat <<TXT

Belfry is running.
  API:    http://127.0.0.1:8470   (GET /v1/health needs no token)
  Token:  $state/admin.token      (send it as "Authorization: Bearer <token>")
  CLI:    ${belfry[*]} jobs list | runs | run hello-demo --wait
  Log:    $state/belfryd.log
Press Ctrl-C to stop.
TXT
wait $daemon
