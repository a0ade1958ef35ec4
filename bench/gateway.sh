#!/usr/bin/env bash
# bench/gateway.sh — the gateway against nginx's proxy_pass on this machine
# (DESIGN.md §6). One run, ROUNDS interleaved rounds; every proxy under test
# is pinned to one core (PROXY_CPU), wrk and the upstream share the other
# (LOAD_CPU); the target order rotates every round. Reports requests/s, p99
# and proxy CPU µs/request per target,
# the same-round ratios, and fails on any non-2xx answer or socket error.
#
#   bash bench/gateway.sh            # DUR=5s CONNS=32 ROUNDS=3
#   DUR=10s CONNS=64 bash bench/gateway.sh
#   BASE_GWBENCH=/tmp/gwbench-old bash bench/gateway.sh   # also gw-1 of another build
#   TARGETS="gw-1 gw-600" ROUNDS=8 bash bench/gateway.sh  # only these targets
#
# Targets: direct (wrk → upstream nginx), nginx (proxy_pass, keepalive
# upstream pool), go-hello (a bare net/http server answering a constant 200,
# no proxying: the ceiling of any handler on net/http.Server), go-floor
# (net/http.Server + httputil.ReverseProxy answering from memory, no upstream
# I/O: the ceiling of anything built on ReverseProxy), go-raw (a minimal
# HTTP/1.1 relay on bare connections, no net/http: how fast Go itself
# relays here; a measuring stick with none of the gateway's checks), go-plain (a bare httputil.ReverseProxy: the standard
# library floor the gateway is built on), go-tuned (the same with the
# gateway's transport settings and pooled copy buffers), gw-1 (gateway, one
# public route),
# gw-600 (gateway, 600 routes, every one behind key-auth). Bars: gw-1 ≥ 0.85 × nginx,
# gw-600 ≥ 0.9 × gw-1. Access logs are off on both proxies.
set -euo pipefail

DUR=${DUR:-5s}
WARM=${WARM:-1s}
CONNS=${CONNS:-32}
LAT_CONNS=${LAT_CONNS:-4}
LAT_DELAY_MS=${LAT_DELAY_MS:-1}
ROUNDS=${ROUNDS:-3}
PROXY_CPU=${PROXY_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
BASE_PORT=${BASE_PORT:-18080}
KEY=gw_bench-key-0123456789abcdefghijklmnopqrstuvwxyz
PATH_UNDER_TEST=/v1/svc7/items7/42

root=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null || ! command -v caddy >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "installing wrk, nginx and caddy (Debian packages)…" >&2
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx caddy >/dev/null
		# The package starts a system caddy on :80; the benchmark runs its own.
		systemctl disable --now caddy >/dev/null 2>&1 || true
	else
		echo "gateway.sh: needs wrk, nginx and caddy (apt-get install wrk nginx caddy)" >&2
		exit 2
	fi
fi
NGINX=$(command -v nginx)
CADDY=$(command -v caddy)

work=$(mktemp -d /tmp/gwbench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "building gwbench…" >&2
(cd "$root" && go build -o "$work/gwbench" ./bench/gwbench)

up_port=$BASE_PORT

nginx_conf() { # name listen-port body
	mkdir -p "$work/$1"
	chmod 777 "$work/$1"
	cat >"$work/$1/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $work/$1/nginx.pid;
error_log $work/$1/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $work/$1/body;
	proxy_temp_path $work/$1/proxy;
	fastcgi_temp_path $work/$1/fastcgi;
	uwsgi_temp_path $work/$1/uwsgi;
	scgi_temp_path $work/$1/scgi;
	keepalive_requests 10000000;
	keepalive_timeout 120s;
	$3
	server {
		listen 127.0.0.1:$2 reuseport;
		$4
	}
}
CONF
}

nginx_conf upstream "$up_port" "" 'location / { default_type text/plain; return 200 "hello, world\n"; }'
nginx_conf proxy "$((BASE_PORT + 1))" "upstream up { server 127.0.0.1:$up_port; keepalive 128; keepalive_requests 10000000; }" \
	'location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering on; }'

declare -A url hdr pidof_target
targets=()
# target NAME CPU PORT HEADER COMMAND...: start COMMAND pinned to CPU and
# benchmark it as NAME at 127.0.0.1:PORT, sending HEADER ("" for none).
target() {
	local name=$1 cpu=$2 port=$3 header=$4
	shift 4
	taskset -c "$cpu" "$@" &
	pids+=($!)
	pidof_target[$name]=$!
	url[$name]=http://127.0.0.1:$port$PATH_UNDER_TEST
	hdr[$name]=$header
	targets+=("$name")
}
up_url=http://127.0.0.1:$up_port
target direct "$LOAD_CPU" "$up_port" "" "$NGINX" -c "$work/upstream/nginx.conf" -p "$work/upstream"
target nginx "$PROXY_CPU" "$((BASE_PORT + 1))" "" "$NGINX" -c "$work/proxy/nginx.conf" -p "$work/proxy"
caddy_port=$((BASE_PORT + 2))
mkdir -p "$work/caddy"
cat >"$work/caddy/Caddyfile" <<CONF
{
	admin off
	auto_https off
}
http://127.0.0.1:$caddy_port {
	reverse_proxy 127.0.0.1:$up_port
}
CONF
target caddy "$PROXY_CPU" "$caddy_port" "" env HOME="$work/caddy" XDG_DATA_HOME="$work/caddy" XDG_CONFIG_HOME="$work/caddy" \
	"$CADDY" run --config "$work/caddy/Caddyfile" --adapter caddyfile 2>"$work/caddy/log"
gw() { # name port header gwbench-flags...
	local name=$1 port=$2 header=$3
	shift 3
	target "$name" "$PROXY_CPU" "$port" "$header" "$work/gwbench" -listen "127.0.0.1:$port" "$@"
}
gw go-hello $((BASE_PORT + 3)) "" -hello
gw go-floor $((BASE_PORT + 4)) "" -upstream "$up_url" -plain -floor
gw go-raw $((BASE_PORT + 5)) "" -upstream "$up_url" -raw
gw go-plain $((BASE_PORT + 6)) "" -upstream "$up_url" -plain
gw go-tuned $((BASE_PORT + 7)) "" -upstream "$up_url" -plain -tuned
gw gw-1 $((BASE_PORT + 8)) "" -upstream "$up_url" -routes 1
gw gw-600 $((BASE_PORT + 9)) "X-Api-Key: $KEY" -upstream "$up_url" -routes 600 -keyauth -key "$KEY"
if [ -n "${BASE_GWBENCH:-}" ]; then
	target gw-1-base "$PROXY_CPU" $((BASE_PORT + 10)) "" "$BASE_GWBENCH" -listen "127.0.0.1:$((BASE_PORT + 10))" -upstream "$up_url" -routes 1
fi
if [ -n "${TARGETS:-}" ]; then
	read -r -a targets <<<"$TARGETS"
	for t in "${targets[@]}"; do
		[ -n "${url[$t]:-}" ] && [ -n "${pidof_target[$t]:-}" ] || { echo "gateway.sh: unknown target $t" >&2; exit 2; }
	done
fi

# Wait until every target answers 200 (and gw-600 refuses a missing key).
for t in "${targets[@]}"; do
	ok=""
	for _ in $(seq 100); do
		if [ -n "${hdr[$t]}" ]; then code=$(curl -s -o /dev/null -w '%{http_code}' -H "${hdr[$t]}" "${url[$t]}" || true)
		else code=$(curl -s -o /dev/null -w '%{http_code}' "${url[$t]}" || true); fi
		if [ "$code" = 200 ]; then ok=1; break; fi
		sleep 0.1
	done
	[ -n "$ok" ] || { echo "gateway.sh: $t not answering 200 at ${url[$t]} (last $code)" >&2; exit 1; }
done
code=$(curl -s -o /dev/null -w '%{http_code}' "${url[gw-600]}")
[ "$code" = 401 ] || { echo "gateway.sh: gw-600 without a key answered $code, want 401" >&2; exit 1; }

# cpu_ticks PID: utime+stime of PID and its children processes (nginx
# workers), in clock ticks.
cpu_ticks() {
	local total=0 p
	for p in "$1" $(pgrep -P "$1" || true); do
		if [ -r "/proc/$p/stat" ]; then
			total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
		fi
	done
	echo "$total"
}
hz=$(getconf CLK_TCK)

# to_ms VALUE: wrk latency (12.3us, 1.2ms, 1.01s) in milliseconds.
to_ms() { awk -v v="$1" 'BEGIN{ n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /s$/) n*=1000; printf "%.3f", n }'; }

declare -A rps p99 cpu
errors=0
printf '%-7s %-8s %12s %10s %14s\n' round target 'req/s' 'p99 ms' 'CPU µs/req' >&2
for round in $(seq "$ROUNDS"); do
	# Rotate the order each round so no target always runs first or last.
	n=${#targets[@]}
	order=()
	for i in $(seq 0 $((n - 1))); do order+=("${targets[$(((i + round - 1) % n))]}"); done
	for t in "${order[@]}"; do
		args=(-t1 -c"$CONNS" --latency)
		[ -n "${hdr[$t]}" ] && args+=(-H "${hdr[$t]}")
		taskset -c "$LOAD_CPU" wrk "${args[@]}" -d"$WARM" "${url[$t]}" >/dev/null
		c0=$(cpu_ticks "${pidof_target[$t]}")
		out=$(taskset -c "$LOAD_CPU" wrk "${args[@]}" -d"$DUR" "${url[$t]}")
		c1=$(cpu_ticks "${pidof_target[$t]}")
		r=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
		n=$(awk '/requests in/ {print $1}' <<<"$out")
		l=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
		c=$(awk -v t=$((c1 - c0)) -v hz="$hz" -v n="$n" 'BEGIN{ printf "%.1f", t * 1e6 / hz / n }')
		if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
			echo "gateway.sh: $t round $round had errors:" >&2
			grep -E 'Non-2xx|Socket errors' <<<"$out" >&2
			errors=$((errors + 1))
		fi
		rps[$round,$t]=$r p99[$round,$t]=$l cpu[$round,$t]=$c
		printf '%-7s %-8s %12s %10s %14s\n' "$round" "$t" "$r" "$l" "$c" >&2
	done
done

median() { tr ' ' '\n' | sort -g | awk '{a[NR]=$1} END{ if (NR%2) print a[(NR+1)/2]; else printf "%.4f\n", (a[NR/2]+a[NR/2+1])/2 }'; }

echo
echo "median over $ROUNDS rounds (wrk -t1 -c$CONNS -d$DUR, proxy pinned to CPU $PROXY_CPU):"
printf '%-8s %12s %10s %14s\n' target 'req/s' 'p99 ms' 'CPU µs/req'
for t in "${targets[@]}"; do
	rs="" ls="" cs=""
	for round in $(seq "$ROUNDS"); do rs+="${rps[$round,$t]} "; ls+="${p99[$round,$t]} "; cs+="${cpu[$round,$t]} "; done
	printf '%-8s %12.0f %10s %14s\n' "$t" "$(median <<<"${rs% }")" "$(median <<<"${ls% }")" "$(median <<<"${cs% }")"
done

echo
echo "same-round ratios (req/s, and CPU per request where marked):"
# ratio ROUND A B [cpu]: A over B in that round, "-" when either was not run.
ratio() {
	local -n m=rps
	[ "${4:-}" = cpu ] && local -n m=cpu
	local a=${m[$1,$2]:-} b=${m[$1,$3]:-}
	if [ -z "$a" ] || [ -z "$b" ]; then echo -; return; fi
	awk -v a="$a" -v b="$b" 'BEGIN{printf "%.3f", a/b}'
}
pairs=("gw-1 nginx" "gw-600 gw-1" "gw-600 caddy" "gw-1 go-plain" "gw-1 go-tuned" "go-tuned nginx" "go-hello nginx" "go-floor nginx" "go-raw nginx" "gw-1 gw-1-base")
r1s="" r2s=""
for round in $(seq "$ROUNDS"); do
	line="  round $round:"
	for p in "${pairs[@]}"; do
		read -r a b <<<"$p"
		r=$(ratio "$round" "$a" "$b")
		[ "$r" = - ] || line+="   $a/$b $r"
	done
	for a in gw-1 go-floor go-raw; do
		r=$(ratio "$round" "$a" nginx cpu)
		[ "$r" = - ] || line+="   CPU $a/nginx $r"
	done
	echo "$line"
	r1s+="$(ratio "$round" gw-1 nginx) " r2s+="$(ratio "$round" gw-600 gw-1) "
done
verdict() { awk -v v="$1" -v bar="$2" 'BEGIN{ print (v >= bar) ? "meets" : "MISSES" }'; }
summary="  median:"
if [[ "$r1s" != -* ]]; then m1=$(median <<<"${r1s% }"); summary+="  gw-1/nginx $m1 ($(verdict "$m1" 0.85) ≥ 0.85)"; fi
if [[ "$r2s" != -* ]]; then m2=$(median <<<"${r2s% }"); summary+="  gw-600/gw-1 $m2 ($(verdict "$m2" 0.9) ≥ 0.9)"; fi
echo "$summary"

# Added latency at moderate load: LAT_CONNS connections, each pausing
# LAT_DELAY_MS between requests (wrk's delay() hook), so a few thousand
# requests/s, well below every proxy's saturation; p99 of each proxy minus
# the upstream's own p99 in the same round (DESIGN.md §6: under 1 ms).
lat_targets=()
for t in nginx caddy gw-1 gw-600; do
	[ -n "${url[$t]:-}" ] && [[ " ${targets[*]} " == *" $t "* ]] && lat_targets+=("$t")
done
if [[ " ${targets[*]} " == *" direct "* ]] && [ ${#lat_targets[@]} -gt 0 ]; then
	echo
	printf 'function delay()\n\treturn %s\nend\n' "$LAT_DELAY_MS" >"$work/pace.lua"
	echo "added p99 latency at moderate load (wrk -t1 -c$LAT_CONNS -d$DUR, ${LAT_DELAY_MS} ms between a connection's requests; ms over direct, same round):"
	declare -A added lrps
	for round in $(seq "$ROUNDS"); do
		declare -A lat=()
		for t in direct "${lat_targets[@]}"; do
			args=(-t1 -c"$LAT_CONNS" --latency -s "$work/pace.lua")
			[ -n "${hdr[$t]}" ] && args+=(-H "${hdr[$t]}")
			out=$(taskset -c "$LOAD_CPU" wrk "${args[@]}" -d"$DUR" "${url[$t]}")
			lrps[$round,$t]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
			if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
				echo "gateway.sh: $t latency round $round had errors" >&2
				errors=$((errors + 1))
			fi
			lat[$t]=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
		done
		line="  round $round: direct p99 ${lat[direct]}"
		for t in "${lat_targets[@]}"; do
			added[$round,$t]=$(awk -v a="${lat[$t]}" -v b="${lat[direct]}" 'BEGIN{printf "%.3f", a-b}')
			line+="   $t +${added[$round,$t]} (${lrps[$round,$t]} req/s)"
		done
		echo "$line"
	done
	line="  median:"
	for t in "${lat_targets[@]}"; do
		vs=""
		for round in $(seq "$ROUNDS"); do vs+="${added[$round,$t]} "; done
		line+="   $t +$(median <<<"${vs% }")"
	done
	echo "$line"
fi

if [ "$errors" -gt 0 ]; then
	echo "gateway.sh: $errors run(s) with non-2xx answers or socket errors" >&2
	exit 1
fi
