#!/usr/bin/env bash
# CI-lint speed on the repository size of DESIGN.md §6: 30 specs, 600
# operations (generated from examples/shop by bench/genrepo), every built-in
# rule including the cross-spec ones, wall time including process start.
#
#   bench/lint-ci.sh            # RUNS=20 WARMUP=3
#
# Measures, with hyperfine when it is installed (else a loop of RUNS and the
# median of `date` differences):
#   full          gwctl lint                                (clean repository)
#   full-1op      gwctl lint                                (one operation edited)
#   changed-1op   gwctl lint --changed-since HEAD           (the same edit)
#   baseline      gwctl lint --baseline B                   (B holds every finding of the edit)
#   sarif         gwctl lint --format sarif                 (the same edit)
# and prints the medians with the changed-1op/full-1op ratio.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-20}"
WARMUP="${WARMUP:-3}"
WORK="bench/.work"
REPO="$WORK/repo600"
mkdir -p "$WORK"

echo "== building gwctl and generating $REPO" >&2
go build -o "$WORK/gwctl" ./cmd/gwctl
GWCTL="$PWD/$WORK/gwctl"
rm -rf "$REPO"
go run ./bench/genrepo -out "$REPO" >&2
git_q() { git -C "$REPO" -c user.name=bench -c user.email=bench@example.com "$@" >/dev/null; }
git_q init -q -b main
git_q add .
git_q commit -q -m "generated"

cd "$REPO"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

results=()
measure() { # NAME OKCODES CMD…
  local name="$1" ok="$2"
  shift 2
  local code=0
  "$@" >/dev/null 2>&1 || code=$?
  if ! [[ " $ok " == *" $code "* ]]; then
    echo "$name: exit $code (want $ok): $*" >&2
    "$@" 2>&1 | tail -n 5 >&2 || true
    exit 1
  fi
  local median
  if command -v hyperfine >/dev/null; then
    hyperfine --style none --warmup "$WARMUP" --runs "$RUNS" -N -i --export-json "$tmp/hf-$name.json" -- "$(printf '%q ' "$@")" >/dev/null 2>&1
    median="$(grep -m1 '"median"' "$tmp/hf-$name.json" | tr -dc '0-9.')"
  else
    : >"$tmp/$name.times"
    for _ in $(seq 1 "$WARMUP"); do "$@" >/dev/null 2>&1 || true; done
    for _ in $(seq 1 "$RUNS"); do
      local t0 t1
      t0=$(date +%s%N)
      "$@" >/dev/null 2>&1 || true
      t1=$(date +%s%N)
      echo "$(( (t1 - t0) / 1000 ))" >>"$tmp/$name.times"
    done
    median="$(sort -n "$tmp/$name.times" | awk '{a[NR]=$1} END {printf "%.6f", a[int((NR+1)/2)]/1e6}')"
  fi
  results+=("$name $median")
  printf '%-12s %8.1f ms   %s\n' "$name" "$(awk -v m="$median" 'BEGIN{print m*1000}')" "$*" >&2
}

echo "== timing (median of $RUNS runs, $WARMUP warm-up)" >&2
measure full 0 "$GWCTL" lint
# One operation changes: a snake_case operationId.
sed -i.bak '0,/operationId: list/s//operationId: list_/' specs/svc-07.yaml && rm specs/svc-07.yaml.bak
"$GWCTL" lint --write-baseline "$tmp/baseline.json" 2>/dev/null
measure full-1op 1 "$GWCTL" lint
measure changed-1op 1 "$GWCTL" lint --changed-since HEAD
measure baseline 0 "$GWCTL" lint --baseline "$tmp/baseline.json"
measure sarif 1 "$GWCTL" lint --format sarif

{ "$GWCTL" lint --changed-since HEAD 2>&1 || true; } | tail -n 1 | sed "s/^/changed-1op summary: /" >&2
printf '%s\n' "${results[@]}" | awk '
  { t[$1] = $2 }
  END {
    printf "full %.1f ms, changed-1op %.1f ms, full-1op %.1f ms: changed-since/full = %.2f\n",
      t["full"]*1000, t["changed-1op"]*1000, t["full-1op"]*1000, t["changed-1op"]/t["full-1op"]
  }'
