#!/usr/bin/env bash
# Lint speed benchmark: `gwctl lint` against Redocly CLI on GitHub's REST API
# description (npm @octokit/openapi, generated/api.github.com.json: 13 MB of
# JSON, ~1,200 operations). Rounds are interleaved so that a noisy machine
# hurts both tools alike; medians of wall time and peak RSS are printed with
# the gwctl/redocly ratios. See bench/README.md.
#
#   bench/lint.sh            # 3 rounds
#   ROUNDS=5 bench/lint.sh
#
# Environment: ROUNDS (default 3); GWCTL_BIN to time another binary that
# takes the same arguments (default: gwctl built from this tree).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-3}"
SPEC_PKG="@octokit/openapi@23.0.2"
REDOCLY_PKG="@redocly/cli@2.77.0"
WORK="bench/.work"
SPEC="$WORK/package/generated/api.github.com.json"
REDOCLY="$WORK/redocly/node_modules/.bin/redocly"

mkdir -p "$WORK"

# (a) The reference spec.
if [ ! -f "$SPEC" ]; then
  echo "== fetching $SPEC_PKG" >&2
  tgz="$(cd "$WORK" && npm pack --silent "$SPEC_PKG" | tail -n1)"
  tar -xzf "$WORK/$tgz" -C "$WORK" package/generated/api.github.com.json
fi

# (b) Redocly CLI, pinned.
if [ ! -x "$REDOCLY" ]; then
  echo "== installing $REDOCLY_PKG" >&2
  mkdir -p "$WORK/redocly"
  [ -f "$WORK/redocly/package.json" ] || echo '{"private": true}' >"$WORK/redocly/package.json"
  npm install --prefix "$WORK/redocly" --no-audit --no-fund --loglevel=error "$REDOCLY_PKG" >&2
fi

# GNU time for peak RSS.
if [ ! -x /usr/bin/time ]; then
  echo "== installing GNU time" >&2
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
  else
    sudo apt-get install -y time >/dev/null
  fi
fi

# (c) gwctl.
GWCTL="${GWCTL_BIN:-$WORK/gwctl}"
if [ -z "${GWCTL_BIN:-}" ]; then
  echo "== building gwctl" >&2
  go build -o "$GWCTL" ./cmd/gwctl
fi

# (d) The bare libopenapi parse + BuildV3Model of the same spec (its own
# module under bench/, so gwctl's go.mod does not carry libopenapi): the
# reference of the "≤ 1.3× libopenapi parse-and-build" bar.
LOBUILD="$WORK/libopenapi-build"
echo "== building bench/libopenapi-build" >&2
(cd bench/libopenapi-build && GOFLAGS=-mod=mod go build -o "../../$LOBUILD" .)

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# measure NAME OKCODES CMD...: runs CMD once under /usr/bin/time -v and
# appends "wall_seconds rss_kib" to $tmp/NAME. Exit codes outside OKCODES
# (space separated) abort the benchmark, with the command's stderr.
measure() {
  local name="$1" ok="$2"
  shift 2
  local code=0
  /usr/bin/time -v -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || code=$?
  if ! [[ " $ok " == *" $code "* ]]; then
    echo "$name: exit code $code (expected one of: $ok): $*" >&2
    tail -n 20 "$tmp/err" >&2
    exit 1
  fi
  awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; wall = s }
    /Maximum resident set size/ { rss = $2 }
    END { printf "%.3f %d\n", wall, rss }' "$tmp/time" >>"$tmp/$name"
}

# median FILE COLUMN
median() {
  cut -d' ' -f"$2" "$1" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

SHOP=""
[ -d examples/shop ] && SHOP="examples/shop"

echo "== $ROUNDS interleaved rounds on $SPEC ($(du -h "$SPEC" | cut -f1))" >&2
for r in $(seq 1 "$ROUNDS"); do
  measure gwctl "0 1" "$GWCTL" lint --format json "$SPEC"
  measure redocly "0 1" "$REDOCLY" lint "$SPEC"
  measure libopenapi "0" "$LOBUILD" "$SPEC"
  if [ -n "$SHOP" ]; then
    measure shop "0 1" "$GWCTL" lint "$SHOP"
  fi
  echo "   round $r: gwctl $(tail -n1 "$tmp/gwctl" | cut -d' ' -f1) s, redocly $(tail -n1 "$tmp/redocly" | cut -d' ' -f1) s, libopenapi $(tail -n1 "$tmp/libopenapi" | cut -d' ' -f1) s" >&2
done

gw_wall="$(median "$tmp/gwctl" 1)"
gw_rss="$(median "$tmp/gwctl" 2)"
rd_wall="$(median "$tmp/redocly" 1)"
rd_rss="$(median "$tmp/redocly" 2)"
lo_wall="$(median "$tmp/libopenapi" 1)"
lo_rss="$(median "$tmp/libopenapi" 2)"

awk -v gw="$gw_wall" -v gr="$gw_rss" -v rw="$rd_wall" -v rr="$rd_rss" -v lw="$lo_wall" -v lr="$lo_rss" -v n="$ROUNDS" 'BEGIN {
  printf "\nlint of GitHub REST description, median of %d rounds\n", n
  printf "%-34s %10s %14s\n", "", "wall (s)", "peak RSS (MiB)"
  printf "%-34s %10.2f %14.1f\n", "gwctl lint --format json", gw, gr / 1024
  printf "%-34s %10.2f %14.1f\n", "redocly lint", rw, rr / 1024
  printf "%-34s %10.3f %14.3f\n", "gwctl / redocly", gw / rw, gr / rr
  printf "%-34s %10.2f %14.1f\n", "libopenapi parse + BuildV3Model", lw, lr / 1024
  printf "%-34s %10.3f %14.3f\n", "gwctl / libopenapi", gw / lw, gr / lr
  printf "bar: wall <= 1/3 of redocly: %s; peak RSS lower: %s\n", (gw / rw <= 1 / 3 ? "met" : "NOT MET"), (gr < rr ? "met" : "NOT MET")
  printf "bar: wall <= 1.3x libopenapi parse+build: %s\n", (gw / lw <= 1.3 ? "met" : "NOT MET")
}'
if [ -n "$SHOP" ]; then
  printf "%-34s %10.2f %14.1f\n" "gwctl lint $SHOP" "$(median "$tmp/shop" 1)" "$(awk -v k="$(median "$tmp/shop" 2)" 'BEGIN { print k / 1024 }')"
else
  echo "(examples/shop not present: skipped)"
fi
