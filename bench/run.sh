#!/bin/sh
# The load benchmark (`make bench`): h2load against the echo baseline and
# agentd, every target in the same run. See bench/README.md.
#
#   bench/run.sh [BUILD_DIR] [--smoke | --long] [loadbench.py options]
#
# BUILD_DIR defaults to build-release (benchmark numbers come from a Release
# build). BENCH_LONG=1 in the environment means --long (the 1,000,000-request
# RSS flatness run). The report goes to stdout and, except for --smoke, into
# bench/RESULTS.md between its markers.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-"$here/../build-release"}
[ $# -gt 0 ] && shift

for tool in h2load /usr/bin/python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench/run.sh: $tool is missing (make deps)" >&2; exit 1; }
done
/usr/bin/python3 -c 'import grpc' 2>/dev/null || { echo "bench/run.sh: python3-grpcio is missing (make deps)" >&2; exit 1; }

mode=""
[ "${BENCH_LONG:-0}" = "1" ] && mode="--long"
results="--results=$here/RESULTS.md"
for arg in "$@"; do [ "$arg" = "--smoke" ] && results=""; done
# shellcheck disable=SC2086 # $mode and $results are empty or one word
exec /usr/bin/python3 "$here/loadbench.py" "$build" $mode $results "$@"
