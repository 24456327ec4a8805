#!/usr/bin/env bash
# Builds swarmtrail's OpenTelemetry Collector distribution from collector/builder-config.yaml
# with the OpenTelemetry Collector Builder (ocb) and prints the binary's path on stdout.
#
# The binary is cached in .cache/collector/<hash>/ (git-ignored), where <hash> covers the
# manifest, the ocb version and the Go version: an unchanged manifest reuses the binary at once.
# Progress goes to stderr. Concurrent invocations wait for each other (flock).
#
# Environment:
#   SWARMTRAIL_COLLECTOR_CACHE  cache directory (default: <repo>/.cache/collector)
#   GO                          the Go toolchain to use (default: go on PATH, else /usr/local/go/bin/go)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
manifest="$root/collector/builder-config.yaml"
cache="${SWARMTRAIL_COLLECTOR_CACHE:-$root/.cache/collector}"
go_bin="${GO:-$(command -v go || true)}"
if [ -z "$go_bin" ] && [ -x /usr/local/go/bin/go ]; then go_bin=/usr/local/go/bin/go; fi
# Keep in step with the versions pinned in collector/builder-config.yaml.
ocb_version="v0.159.0"
binary_name="otelcol-swarmtrail"

log() { echo "build-collector: $*" >&2; }

if [ -z "$go_bin" ] || [ ! -x "$go_bin" ]; then
  log "no Go toolchain found (install Go >= 1.24 or set GO=/path/to/go)"
  exit 1
fi

# ocb runs `go` itself.
export PATH="$(dirname "$go_bin"):$PATH"

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

go_version="$("$go_bin" env GOVERSION)"
key="$( { cat "$manifest"; echo "ocb=$ocb_version"; echo "go=$go_version"; } | sha256sum | cut -c1-16)"
target_dir="$cache/$key"
binary="$target_dir/$binary_name"

if [ -x "$binary" ]; then
  log "reusing $binary (manifest unchanged)"
  echo "$binary"
  exit 0
fi

ocb_dir="$cache/ocb-$ocb_version"
ocb="$ocb_dir/builder"
if [ ! -x "$ocb" ]; then
  log "installing ocb $ocb_version into $ocb_dir"
  GOBIN="$ocb_dir" "$go_bin" install "go.opentelemetry.io/collector/cmd/builder@$ocb_version" >&2
fi

work_dir="$cache/build-$key.$$"
rm -rf "$work_dir"
trap 'rm -rf "$work_dir"' EXIT
started=$(date +%s)
log "building $binary_name (manifest hash $key) with $go_version; the first build takes minutes"
"$ocb" --config="$manifest" --output-path="$work_dir" >&2
"$work_dir/$binary_name" --version >&2

mkdir -p "$target_dir"
cp "$manifest" "$target_dir/builder-config.yaml"
mv "$work_dir/$binary_name" "$binary.tmp"
mv "$binary.tmp" "$binary"
log "built $binary in $(( $(date +%s) - started ))s"
# Builds of older manifests are never used again.
for old in "$cache"/*/; do
  old="${old%/}"
  if [[ "$(basename "$old")" =~ ^[0-9a-f]{16}$ ]] && [ "$old" != "$target_dir" ]; then rm -rf "$old"; fi
done
echo "$binary"
