#!/usr/bin/env bash
# Runs the steps of action.yml locally against examples/shop, the way the
# GitHub runner would, with a gwctl built from this tree instead of the
# "Install gwctl" step (which installs a released version):
#
#   1. Lint (push): --format github annotations on stdout, the SARIF report
#      written, its path in $GITHUB_OUTPUT;
#   2. Lint (pull request, changed-only): only the findings of the operation
#      the branch changed, against origin/main of a local bare remote;
#   3. Diff (pull request) against a gateway started here (gwctl gateway):
#      drift, exit 1, because nothing is published yet;
#   4. Publish (push to the default branch): exit 0;
#   5. Diff again: no drift, exit 0.
#
# The step scripts are cut out of action.yml (the `run: |` block of each
# named step), so this tests the action's own shell. Not part of `go test`.
#
#   .ci/action-local.sh            # ADMIN_ADDR=127.0.0.1:18481 by default
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
ADMIN_ADDR="${ADMIN_ADDR:-127.0.0.1:18481}"
TOKEN="local-admin-token-$$"

tmp="$(mktemp -d)"
gw_pid=""
cleanup() {
  if [ -n "$gw_pid" ]; then kill "$gw_pid" 2>/dev/null || true; wait "$gw_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# step_script NAME: the run block of the step called NAME, dedented.
step_script() {
  awk -v name="$1" '
    $0 ~ "^    - name: " name "$" { instep = 1; next }
    instep && /^    - name: / { exit }
    instep && /^      run: \|$/ { inrun = 1; next }
    inrun && /^        / { print substr($0, 9); next }
    inrun && /^$/ { print ""; next }
    inrun { exit }
  ' action.yml
}

# run_step NAME WANT_EXIT [VAR=VALUE…]: runs the step's script in the shop
# repository with the given environment and checks its exit code.
run_step() {
  local name="$1" want="$2"
  shift 2
  local script
  script="$(step_script "$name")"
  [ -n "$script" ] || { echo "action.yml has no step '$name' with a run block" >&2; exit 1; }
  echo "== step: $name ($*)" >&2
  local code=0
  (cd "$tmp/shop" && env GITHUB_OUTPUT="$tmp/github_output" GITHUB_PATH="$tmp/github_path" \
      SPECS="" CONFIG="" FAIL_ON=error SARIF_FILE=gwctl.sarif BASELINE="" CHANGED_ONLY=false \
      EVENT=push BASE_REF="" ENVIRONMENT=local GWCTL_GATEWAY="http://$ADMIN_ADDR" GWCTL_TOKEN="$TOKEN" \
      "$@" bash -e -c "$script") >"$tmp/stdout" 2>"$tmp/stderr" || code=$?
  sed "s/^/   | /" "$tmp/stdout" | head -n 8 >&2 || true
  sed "s/^/   ! /" "$tmp/stderr" | tail -n 4 >&2 || true
  if [ "$code" != "$want" ]; then
    echo "step '$name' exited $code, want $want" >&2
    exit 1
  fi
}

echo "== building gwctl" >&2
mkdir -p "$tmp/bin"
go build -o "$tmp/bin/gwctl" ./cmd/gwctl
export PATH="$tmp/bin:$PATH"

echo "== examples/shop as a git repository with an origin" >&2
cp -R "$ROOT/examples/shop" "$tmp/shop"
git_q() { git -C "$tmp/shop" -c user.name=ci -c user.email=ci@example.com "$@" >/dev/null; }
git_q init -q -b main
git_q add .
git_q commit -q -m "shop"
git clone -q --bare "$tmp/shop" "$tmp/origin.git"
git_q remote add origin "$tmp/origin.git"

# 1. Lint on push.
: >"$tmp/github_output"
run_step "Lint" 0
grep -q '^sarif-file=gwctl.sarif$' "$tmp/github_output" || { echo "no sarif-file output" >&2; exit 1; }
grep -q '"version": "2.1.0"' "$tmp/shop/gwctl.sarif" || { echo "no SARIF report written" >&2; exit 1; }

# 2. Lint on a pull request, changed-only: the branch breaks one operation.
git_q checkout -q -b feature
sed -i.bak 's/operationId: createOrder$/operationId: create_order/' "$tmp/shop/specs/orders.yaml" && rm "$tmp/shop/specs/orders.yaml.bak"
git_q commit -q -am "rename an operation"
run_step "Lint" 1 EVENT=pull_request BASE_REF=main CHANGED_ONLY=true
grep -q '^::error file=specs/orders.yaml,.*title=operation-id-convention::' "$tmp/stdout" || { echo "the changed operation's annotation is missing" >&2; exit 1; }
if grep -v 'specs/orders.yaml' "$tmp/stdout" | grep -q '^::'; then echo "annotations outside the changed operation" >&2; exit 1; fi
git_q checkout -q main

# A gateway with an admin token, its proxy on any free port.
echo "== starting gwctl gateway (admin $ADMIN_ADDR)" >&2
GWCTL_ADMIN_TOKEN="$TOKEN" gwctl gateway --listen 127.0.0.1:0 --admin-listen "$ADMIN_ADDR" --data "$tmp/data" >"$tmp/gateway.log" 2>&1 &
gw_pid=$!
for _ in $(seq 1 50); do
  if grep -q 'gwctl gateway listening' "$tmp/gateway.log" 2>/dev/null; then break; fi
  sleep 0.1
done
grep -q 'gwctl gateway listening' "$tmp/gateway.log" || { cat "$tmp/gateway.log" >&2; exit 1; }

# 3-5. Diff on a pull request (drift: nothing published), publish on push,
# diff again (no drift).
run_step "Diff against the gateway" 1 EVENT=pull_request
run_step "Publish to the gateway" 0
run_step "Diff against the gateway" 0 EVENT=pull_request

echo "== action.yml steps behave as expected" >&2
