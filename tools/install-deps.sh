#!/usr/bin/env bash
# Installs the Debian 12 packages agentd needs, only those missing.
# apt-get as root, through sudo otherwise.
set -euo pipefail
packages=(
  cmake ninja-build g++ pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libspdlog-dev libsqlite3-dev sqlite3 libyaml-cpp-dev libcmark-dev
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libcurl4-openssl-dev libjemalloc-dev libzstd-dev
  libstemmer-dev
  python3-grpcio python3-protobuf python3-zstandard nghttp2-client
  libssl-dev openssl
  libpq-dev postgresql-15 postgresql-client-15
  libcpp-httplib-dev prometheus python3-prometheus-client
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The Node.js client and the MCP bridge's tests need node and npm: any
# install will do (Debian's nodejs, or NodeSource's that bundles npm).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
