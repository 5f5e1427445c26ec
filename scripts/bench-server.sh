#!/usr/bin/env bash
# Benchmark (issue 4): single-stream decode through the OpenAI server (HTTP, SSE) against the same
# generation without it (run's path), same model, same JVM, alternating runs. The model is the
# Llama 3.2 1B-shaped synthetic GGUF that scripts/bench-decode.sh writes (Q4_0 by default).
# usage: scripts/bench-server.sh [ServerBench options: --tokens 64 --reps 7 --threads 2 --ctx 512] [--type Q4_0]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$root/scripts/lib.sh"
java_home="$(jknife_find_jdk)"
[ -n "$java_home" ] || { echo "bench-server: no JDK 25 or newer found" >&2; exit 1; }
type=Q4_0
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --type) type="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
models="${JKNIFE_BENCH_MODELS:-$root/jknife-llamacpp/target/bench-models}"
cp="$(jknife_module_classpath "$root" "$java_home" jknife-server)"
model="$models/synthetic-llama-1b-shape-$type.gguf"
if [ ! -f "$model" ]; then
    echo "bench-server: $model is missing; write it with scripts/bench-decode.sh --types $type --reps 1 first" >&2
    exit 1
fi
exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Xmx4g \
    -Djknife.llamacpp.libdir="$root/jknife-llamacpp/target/native" \
    -cp "$cp" io.jknife.server.bench.ServerBench --model "$model" "${args[@]}"
