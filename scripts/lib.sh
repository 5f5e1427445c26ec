# Shared shell functions of the jknife launcher and scripts. Source it; it defines functions only.

# Prints the home of a JDK 25 or newer: JAVA_HOME if new enough, else the newest under /usr/lib/jvm.
jknife_find_jdk() {
    local best="" best_major=0 home major
    for home in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
        [ -n "$home" ] && [ -x "$home/bin/java" ] && [ -f "$home/release" ] || continue
        major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
        [ -n "$major" ] && [ "$major" -ge 25 ] || continue
        if [ -n "${JAVA_HOME:-}" ] && [ "$home" = "$JAVA_HOME" ]; then
            echo "$home"; return 0
        fi
        if [ "$major" -gt "$best_major" ]; then best="$home"; best_major=$major; fi
    done
    [ -n "$best" ] && echo "$best"
}

# True when the distribution jar is missing or any source or build file is newer than it.
jknife_stale() {
    local root="$1" jar="$2"
    [ -f "$jar" ] || return 0
    [ -n "$(find "$root/pom.xml" "$root"/jknife-*/pom.xml "$root"/jknife-*/src/main -newer "$jar" -print -quit 2>/dev/null)" ]
}

# Builds the distribution (jar + lib/) quietly; output goes to stderr.
jknife_build() {
    local root="$1" java_home="$2"
    echo "jknife: building (first run or sources changed)..." >&2
    (cd "$root" && JAVA_HOME="$java_home" mvn -q -B -ntp -Dstyle.color=never -DskipTests package) 1>&2
}

# Creates the class-data sharing archive from a `list` run over an empty cache, so that the
# classes every store command needs load from the archive.
jknife_train_cds() {
    local java_home="$1" jar="$2" jsa="$3" empty
    empty="$(mktemp -d)"
    rm -f "$jsa"
    HF_HOME="$empty" "$java_home/bin/java" -XX:ArchiveClassesAtExit="$jsa" -Xlog:cds=off -Xlog:cds+dynamic=off \
        -jar "$jar" list --json >/dev/null 2>&1 || true
    rm -rf "$empty"
}

# Builds MODULE (and what it needs) quietly and prints the class path of its classes and run-time
# dependencies; benchmark scripts run their mains with it.
jknife_module_classpath() {
    local root="$1" java_home="$2" module="$3"
    (cd "$root" && JAVA_HOME="$java_home" mvn -q -B -ntp -Dstyle.color=never -DskipTests install -pl "$module" -am \
        && JAVA_HOME="$java_home" mvn -q -B -ntp -Dstyle.color=never dependency:build-classpath -pl "$module" \
            -Dmdep.includeScope=runtime -Dmdep.outputFile="$root/$module/target/runtime-classpath.txt") >&2 || return 1
    echo "$root/$module/target/classes:$(cat "$root/$module/target/runtime-classpath.txt")"
}
