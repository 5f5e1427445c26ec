#!/usr/bin/env bash
# Benchmark (issue 5): decoding and resampling 10 minutes of audio with jknife-audio. Builds a 10-minute MP3 by
# concatenating the MPEG frames of the speech fixture, writes WAVs (16 kHz mono, 44.1/48 kHz stereo) and, with the
# test-only TinyFlacWriter, FLACs (16 kHz mono, 44.1 kHz stereo), then times decode, resample and the streaming
# decode16kMono for each (best of RUNS, wall and thread CPU). Files go to jknife-audio/target/bench-audio.
# usage: scripts/bench-audio.sh [DecodeBench options: --minutes 10 --runs 3 --fixture FILE.mp3]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$root/scripts/lib.sh"
java_home="$(jknife_find_jdk)"
[ -n "$java_home" ] || { echo "bench-audio: no JDK 25 or newer found" >&2; exit 1; }
work="$root/jknife-audio/target/bench-audio"
(cd "$root" && JAVA_HOME="$java_home" mvn -q -B -ntp -o -Dstyle.color=never -DskipTests install -pl jknife-audio \
    && JAVA_HOME="$java_home" mvn -q -B -ntp -o -Dstyle.color=never test-compile dependency:build-classpath \
        -pl jknife-audio -Dmdep.includeScope=runtime -Dmdep.outputFile="$root/jknife-audio/target/runtime-classpath.txt") >&2
cp="$root/jknife-audio/target/classes:$(cat "$root/jknife-audio/target/runtime-classpath.txt")"
mkdir -p "$work"
if [ ! -f "$work/bench-44100-2ch.flac" ]; then
    "$java_home/bin/java" -cp "$cp:$root/jknife-audio/target/test-classes" io.jknife.audio.TinyFlacWriter "$work" 10 >&2
fi
exec "$java_home/bin/java" -Xmx2g -cp "$cp" io.jknife.audio.bench.DecodeBench --work "$work" "$@" \
    "$work/bench-16000-1ch.flac" "$work/bench-44100-2ch.flac"
