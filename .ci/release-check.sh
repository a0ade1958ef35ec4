#!/usr/bin/env bash
# Checks .goreleaser.yaml and builds a snapshot of gwctl for this machine the
# way a release would (goreleaser v2, CGO off, version stamped by ldflags),
# then runs the binary's `version`. Not part of `go test`.
#
#   .ci/release-check.sh
#
# Installs goreleaser v2.15.1 with `go install` when the goreleaser on PATH
# (or in $(go env GOPATH)/bin) is missing or another version.
set -euo pipefail
cd "$(dirname "$0")/.."

GORELEASER_VERSION="v2.15.1"
start=$(date +%s)

gr="$(command -v goreleaser || true)"
if [ -z "$gr" ] && [ -x "$(go env GOPATH)/bin/goreleaser" ]; then
  gr="$(go env GOPATH)/bin/goreleaser"
fi
if [ -z "$gr" ] || ! "$gr" --version 2>/dev/null | grep -q "GitVersion:[[:space:]]*${GORELEASER_VERSION#v}"; then
  echo "== installing goreleaser $GORELEASER_VERSION (go install)" >&2
  t0=$(date +%s)
  go install "github.com/goreleaser/goreleaser/v2@${GORELEASER_VERSION}"
  gr="$(go env GOPATH)/bin/goreleaser"
  echo "   installed in $(( $(date +%s) - t0 ))s" >&2
fi
"$gr" --version | grep -i 'GitVersion' >&2 || true

echo "== goreleaser check" >&2
"$gr" check

echo "== goreleaser build --snapshot --clean --single-target" >&2
t0=$(date +%s)
# GOFLAGS from the environment (e.g. -buildvcs=false) would fight the
# release flags; the build gets exactly what .goreleaser.yaml says.
GOFLAGS= "$gr" build --snapshot --clean --single-target
echo "   built in $(( $(date +%s) - t0 ))s" >&2

bin="$(find dist -type f \( -name gwctl -o -name gwctl.exe \) | head -n 1)"
[ -n "$bin" ] || { echo "no gwctl binary under dist/" >&2; exit 1; }
echo "== $bin version" >&2
out="$("$bin" version)"
echo "$out"
case "$out" in
  "gwctl (devel)"*|"gwctl  "*) echo "the version was not stamped by the ldflags" >&2; exit 1 ;;
esac
echo "$out" | grep -q "(commit " || { echo "the commit was not stamped" >&2; exit 1; }
echo "== release check passed in $(( $(date +%s) - start ))s" >&2
