#!/usr/bin/env bash
# The live suite (issue 6): runs the tests tagged `live` against the real models in your cache
# (JKNIFE_LIVE_HF_HOME, else HF_HOME, else ~/.cache/huggingface) under `bench memmon`, then writes the
# Markdown report and the interactive timeline.
# usage: scripts/live-suite.sh [OUTPUT_DIR]   (default target/live; env JKNIFE_LIVE_MAX_GB, JKNIFE_LIVE_MAX_MODELS)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$root/scripts/lib.sh"
java_home="$(jknife_find_jdk)"
[ -n "$java_home" ] || { echo "live-suite: no JDK 25 or newer found" >&2; exit 1; }
out="$(mkdir -p "${1:-$root/target/live}" && cd "${1:-$root/target/live}" && pwd)"
rm -f "$out/report.jsonl" "$out/memory.jsonl"
cd "$root"
# the suite's exit code is kept: the report and the timeline are written either way
status=0
./jknife bench memmon --output "$out/memory.jsonl" -- \
    env JAVA_HOME="$java_home" mvn -B -ntp -Dstyle.color=never verify -pl jknife-cli -am \
        -Djknife.test.excludedGroups= -Dgroups=live -Dtest=LiveSuiteTest -Dsurefire.failIfNoSpecifiedTests=false \
        -Djknife.report.output="$out/report.jsonl" || status=$?
if [ -s "$out/report.jsonl" ]; then
    ./jknife bench validate "$out/report.jsonl"
    ./jknife bench report "$out/report.jsonl" -o "$out/report.md"
    ./jknife bench plot "$out/memory.jsonl" "$out/report.jsonl" -o "$out/timeline.html"
    echo "live-suite: $out/report.md, $out/timeline.html" >&2
else
    echo "live-suite: no report records were written (see the Maven output above)" >&2
fi
exit $status
