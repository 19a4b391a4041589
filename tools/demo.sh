#!/usr/bin/env bash
# make demo: a server on a free port, the seed's three example questions
# through agentctl, the three merged reviews, then the server stops.
set -euo pipefail
build=${1:-build}
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$build/bin/agentd" --listen=127.0.0.1:0 --db="$tmp/agentd.db" --log_format=json >"$tmp/out" 2>"$tmp/log" &
pid=$!
for _ in $(seq 1 500); do
  grep -q "listening on" "$tmp/out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/log"; exit 1; }
  sleep 0.01
done
addr=$(awk '/listening on/ {print $4}' "$tmp/out")
"$build/bin/agentctl" --server="$addr" health --wait=10s >/dev/null
questions=(
  "We need to handle 10,000 orders per minute during flash sales. Should we use microservices or a monolith?"
  "Our API response times degrade when Redis is under load. How should we structure our caching strategy?"
  "We want to move from synchronous REST to event-driven architecture. What patterns should we use?"
)
for q in "${questions[@]}"; do
  printf '\n\033[1m$ agentctl review "%s"\033[0m\n\n' "$q"
  "$build/bin/agentctl" --server="$addr" review "$q"
done
