#!/usr/bin/env bash
# Benchmark: `jknife pull` of one SIZE_MB-megabyte LFS file from the local fake Hub (jknife-hub's test
# FakeHub, a real HTTP server on 127.0.0.1) against `curl -L -o FILE` on the same URL, alternating
# RUNS times in the same run. jknife is timed end to end (JVM start, Hub listing, download, SHA-256
# check, fsync, snapshot links); its own transfer time comes from the JSON progress `done` event.
# A third column times curl followed by an fsync of its file (`sync --data FILE`): jknife makes every
# blob durable before it links it, plain curl leaves the write-back for later.
# usage: scripts/bench-pull.sh [SIZE_MB=1000] [RUNS=5]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$root/scripts/lib.sh"
size_mb="${1:-1000}"; runs="${2:-5}"
java_home="$(jknife_find_jdk)"
command -v curl >/dev/null || { echo "bench-pull: curl is needed" >&2; exit 1; }
"$root/jknife" --version >/dev/null                      # builds the distribution when stale
(cd "$root" && JAVA_HOME="$java_home" mvn -q -B -ntp -Dstyle.color=never -DskipTests package -pl jknife-hub -am) >&2

work="$(mktemp -d "${TMPDIR:-/tmp}/jknife-bench-pull.XXXXXX")"
hub_pid=""
cleanup() { [ -n "$hub_pid" ] && kill "$hub_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/data"
head -c "$((size_mb * 1000000))" /dev/urandom > "$work/data/model.safetensors"
bytes=$(stat -c %s "$work/data/model.safetensors")

cp="$root/jknife-hub/target/jknife-hub-0.1.0-tests.jar:$root/jknife-cli/target/lib/*"
"$java_home/bin/java" -cp "$cp" io.jknife.hub.fake.FakeHub "$work/data" 0 bench/model > "$work/hub.out" 2>"$work/hub.err" &
hub_pid=$!
for _ in $(seq 600); do [ -s "$work/hub.out" ] && break; sleep 0.1; done   # hashing the file takes a moment
endpoint="$(cut -d' ' -f1 "$work/hub.out")"
[ -n "$endpoint" ] || { echo "bench-pull: the fake Hub did not start" >&2; cat "$work/hub.err" >&2; exit 1; }
url="$endpoint/bench/model/resolve/main/model.safetensors"
curl -sSL -o /dev/null "$url"                             # warm the server's page cache and JIT
echo "file: $bytes bytes at $url; $(nproc) cores; $("$java_home/bin/java" -version 2>&1 | head -1)"

secs() { awk -v s="$1" -v e="$2" 'BEGIN {printf "%.3f", (e - s) / 1e9}'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
curl_t=(); curls_t=(); jk_t=(); jk_x=()
for i in $(seq "$runs"); do          # alternate so that machine noise hits both alike
    rm -f "$work/curl.out"; sync
    s=$(date +%s%N); curl -sSL -o "$work/curl.out" "$url"; e=$(date +%s%N)
    [ "$(stat -c %s "$work/curl.out")" = "$bytes" ] || { echo "bench-pull: curl got a short file" >&2; exit 1; }
    curl_t+=("$(secs "$s" "$e")"); rm -f "$work/curl.out"; sync

    s=$(date +%s%N); curl -sSL -o "$work/curl.out" "$url"; sync --data "$work/curl.out"; e=$(date +%s%N)
    curls_t+=("$(secs "$s" "$e")"); rm -f "$work/curl.out"

    rm -rf "$work/hf"; sync
    s=$(date +%s%N)
    HF_HOME="$work/hf" HF_ENDPOINT="$endpoint" "$root/jknife" pull bench/model --json >"$work/pull.json" 2>"$work/pull.err"
    e=$(date +%s%N)
    grep -q '"download_status": "success"' "$work/pull.json" || { echo "bench-pull: pull failed" >&2; cat "$work/pull.json" "$work/pull.err" >&2; exit 1; }
    jk_t+=("$(secs "$s" "$e")")
    jk_x+=("$(grep '"event":"done"' "$work/pull.err" | sed 's/.*"seconds":\([0-9.]*\).*/\1/')")
    echo "run $i: curl ${curl_t[-1]} s, curl+fsync ${curls_t[-1]} s, jknife pull ${jk_t[-1]} s (transfer ${jk_x[-1]} s)" >&2
done
rm -rf "$work/hf"
cm=$(printf '%s\n' "${curl_t[@]}" | median); sm=$(printf '%s\n' "${curls_t[@]}" | median); jm=$(printf '%s\n' "${jk_t[@]}" | median); xm=$(printf '%s\n' "${jk_x[@]}" | median)
awk -v b="$bytes" -v c="$cm" -v cs="$sm" -v j="$jm" -v x="$xm" -v n="$runs" 'BEGIN {
    printf "curl:        median %.3f s = %.0f MB/s over %d runs\n", c, b / c / 1e6, n
    printf "curl+fsync:  median %.3f s = %.0f MB/s\n", cs, b / cs / 1e6
    printf "jknife pull: median %.3f s = %.0f MB/s end to end (transfer alone: %.3f s = %.0f MB/s)\n", j, b / j / 1e6, x, b / x / 1e6
    printf "ratio jknife/curl rate: %.2f end to end, %.2f transfer alone (target >= 0.80): %s\n", c / j, c / x, (c / j >= 0.8 ? "PASS" : "FAIL")
    printf "ratio jknife/(curl+fsync) rate: %.2f end to end, %.2f transfer alone\n", cs / j, cs / x
}'
