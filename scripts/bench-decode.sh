#!/usr/bin/env bash
# Benchmark (issue 3): decode tokens/s through jknife's engine interface (LoadedModel.generate().stream())
# against the de.kherud:llama binding's own Java API, on the same model in the same JVM, alternating runs.
# The models have the shapes of Llama 3.2 1B (random weights) in Q4_0 and Q8_0; they are written once into
# $JKNIFE_BENCH_MODELS (default jknife-llamacpp/target/bench-models, about 2.3 GB for both).
# usage: scripts/bench-decode.sh [DecodeBench options: --types Q4_0,Q8_0 --tokens 64 --reps 15 --threads 2 --ctx 512]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$root/scripts/lib.sh"
java_home="$(jknife_find_jdk)"
[ -n "$java_home" ] || { echo "bench-decode: no JDK 25 or newer found" >&2; exit 1; }
models="${JKNIFE_BENCH_MODELS:-$root/jknife-llamacpp/target/bench-models}"
cp="$(jknife_module_classpath "$root" "$java_home" jknife-llamacpp)"
exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -Xmx4g \
    -Djknife.llamacpp.libdir="$root/jknife-llamacpp/target/native" \
    -cp "$cp" io.jknife.llamacpp.bench.DecodeBench --dir "$models" "$@"
