#!/usr/bin/env bash
# Benchmark (issue 9): Java engine decode tokens/s on a Hugging Face checkpoint (MLX 4-bit group 64, BF16)
# against the GGUF of the same weights (Q4_0, F16), all four loaded in one JVM and decoded in turns.
# The 1B-shaped models (random weights, about 6.5 GB together) are written once into
# $JKNIFE_BENCH_MODELS (default jknife-java/target/bench-models).
# usage: scripts/bench-safetensors.sh [--tokens 32 --reps 5 --threads 2]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$root/scripts/lib.sh"
java_home="$(jknife_find_jdk)"
[ -n "$java_home" ] || { echo "bench-safetensors: no JDK 25 or newer found" >&2; exit 1; }
models="${JKNIFE_BENCH_MODELS:-$root/jknife-java/target/bench-models}"
cp="$(jknife_module_classpath "$root" "$java_home" jknife-java)"
exec "$java_home/bin/java" --add-modules jdk.incubator.vector -Xmx6g \
    -cp "$cp" io.jknife.java.bench.SafetensorsDecodeBench --dir "$models" "$@"
