#!/usr/bin/env bash
# Benchmark (issue 10): time to first token for one 896x896 image and images/s with --chunk 1 vs 4,
# through TextSession + VisionChat (the path of `run --image`), on a generated Gemma 3 checkpoint with
# Gemma 3 4B's vision tower. The checkpoint (about 1.5 GB, random BF16 weights) is written once into
# jknife-runtime/target/bench-models.
# usage: scripts/bench-vision.sh [THREADS]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$root/scripts/lib.sh"
java_home="$(jknife_find_jdk)"
[ -n "$java_home" ] || { echo "bench-vision: no JDK 25 or newer found" >&2; exit 1; }
threads="${1:-$(nproc)}"
cd "$root"
JAVA_HOME="$java_home" mvn -q -B -ntp -DskipTests install -pl jknife-runtime -am >&2
JAVA_HOME="$java_home" mvn -B -ntp test -pl jknife-runtime -Dtest=VisionBenchmarkTest -Dgroups=benchmark \
    -Djknife.test.excludedGroups= -Djknife.bench.threads="$threads" -Dsurefire.useFile=false 2>&1 | grep -E "^(wrote|load|one|[0-9]+ images)|FAIL|ERROR" || true
