#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to every test passing: installs what is missing,
# builds the normal tree and an ASan+UBSan tree, and runs all tests in the first and the unit
# and integration slices in the second. This is what CI (.ci/run) runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc)
scripts/build.sh build
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 300

scripts/build.sh build-asan -DBELFRY_SANITIZE=ON -DBELFRY_BUILD_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" --timeout 600 -L 'unit|integration'
echo "run-tests: all tests passed"
