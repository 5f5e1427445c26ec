#!/usr/bin/env bash
# Benchmark: `jknife list --json` over a generated cache of COUNT models of mixed formats, end to end
# including JVM start, against `jknife --version` (JVM start alone) measured in the same run.
# usage: scripts/bench-list.sh [COUNT=200] [RUNS=10]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$root/scripts/lib.sh"
count="${1:-200}"; runs="${2:-10}"
java_home="$(jknife_find_jdk)"
"$root/jknife" --version >/dev/null            # builds when stale, creates the CDS archive
(cd "$root" && JAVA_HOME="$java_home" mvn -q -B -ntp -Dstyle.color=never -DskipTests install -pl jknife-formats,jknife-testkit) >&2
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cp="$root/jknife-testkit/target/jknife-testkit-0.1.0.jar:$root/jknife-formats/target/jknife-formats-0.1.0.jar:$(ls "$root"/jknife-cli/target/lib/jackson-*.jar | tr '\n' ':')"
"$java_home/bin/java" -cp "$cp" io.jknife.testkit.GenerateCache "$work/hf" "$count" >&2
models=$(HF_HOME="$work/hf" "$root/jknife" list --json | grep -c '"name"')
echo "cache: $count repositories, $models models listed ($(du -sh "$work/hf" | cut -f1))"

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
list_t=(); ver_t=()
for _ in $(seq "$runs"); do    # alternate the two commands so machine noise hits both alike
    ver_t+=("$(ms "$root/jknife" --version)")
    list_t+=("$(ms env HF_HOME="$work/hf" "$root/jknife" list --json)")
done
lm=$(printf '%s\n' "${list_t[@]}" | median); vm=$(printf '%s\n' "${ver_t[@]}" | median)
echo "list --json: median ${lm} ms over $runs runs (all: ${list_t[*]})"
echo "--version (JVM start baseline): median ${vm} ms (all: ${ver_t[*]})"
awk -v l="$lm" -v v="$vm" 'BEGIN {printf "ratio list/--version: %.2f; list work beyond JVM start: %d ms\n", l/v, l-v}'
