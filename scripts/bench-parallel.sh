#!/usr/bin/env bash
# Benchmark (issue 4): aggregate decode tokens/s of one model with parallel slots, 1, 2 and 4 concurrent
# streams on the same loaded model, alternating rounds (io.jknife.llamacpp.bench.ParallelBench), on the
# engine --engine names (llama.cpp, the default, or java).
# The model has the shapes of Llama 3.2 1B (random weights); it is written once into
# $JKNIFE_BENCH_MODELS (default jknife-llamacpp/target/bench-models).
# usage: scripts/bench-parallel.sh [ParallelBench options: --engine llama.cpp|java --type Q4_0 --tokens 64 --rounds 6 --threads 2 --ctx 512 --slots 4 --single --raw 4]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$root/scripts/lib.sh"
java_home="$(jknife_find_jdk)"
[ -n "$java_home" ] || { echo "bench-parallel: no JDK 25 or newer found" >&2; exit 1; }
models="${JKNIFE_BENCH_MODELS:-$root/jknife-llamacpp/target/bench-models}"
# jknife-runtime's class path holds both engines (the catalog finds the one asked for)
cp="$(jknife_module_classpath "$root" "$java_home" jknife-runtime)"
exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Xmx4g \
    -Djknife.llamacpp.libdir="$root/jknife-llamacpp/target/native" \
    -cp "$cp" io.jknife.llamacpp.bench.ParallelBench --dir "$models" "$@"
