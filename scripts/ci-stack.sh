#!/usr/bin/env bash
# The stack part of CI (.ci/run calls it after the unit tests): installs Prometheus when the
# machine lacks it, builds the collector (or reuses the cached build), and runs the end-to-end
# stack test (npm run test:stack). Expects node_modules installed (npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh

log() { echo "ci-stack: $*" >&2; }

if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  log "installing Prometheus from Debian"
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus
fi
# Debian's package starts a system Prometheus on :9090; the test starts its own on a free port.
export SWARMTRAIL_PROMETHEUS_BIN="${SWARMTRAIL_PROMETHEUS_BIN:-$(command -v prometheus)}"

# The stack test runs the demo swarm and the CLI from the build output.
if [ ! -f dist/examples/demo-swarm.js ] || [ ! -f dist/src/cli/main.js ]; then
  log "building the TypeScript output (npm run build)"
  npm run build
fi

started=$(date +%s)
SWARMTRAIL_OTELCOL_BIN="$(scripts/build-collector.sh)"
export SWARMTRAIL_OTELCOL_BIN
log "collector ready in $(( $(date +%s) - started ))s: $SWARMTRAIL_OTELCOL_BIN"

started=$(date +%s)
npm run test:stack
log "stack test passed in $(( $(date +%s) - started ))s"
