#!/usr/bin/env bash
# Benchmark: real-time factor of `jknife run MODEL --audio FILE` against the bare whisper-jni binding,
# in one JVM, on a generated model with whisper tiny's real shapes (see BenchModel for why its
# decoder is made decisive) and SECONDS of 16 kHz audio. Prints per-run times, medians, the overhead.
# usage: scripts/bench-whisper.sh [SECONDS=60] [RUNS=3] [THREADS=all cores]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$root/scripts/lib.sh"
java_home="$(jknife_find_jdk)"
# only the modules the benchmark runs: the CLI (with its runtime libraries in target/lib) and the engine
(cd "$root" && JAVA_HOME="$java_home" mvn -q -B -ntp -o -Dstyle.color=never -DskipTests install -pl jknife-whisper,jknife-cli) >&2
cp="$root/jknife-cli/target/jknife.jar:$root/jknife-cli/target/lib/*"
exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -cp "$cp" \
    io.jknife.whisper.bench.WhisperBench "$@"
