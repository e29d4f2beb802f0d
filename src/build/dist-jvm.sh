#!/bin/sh
# Run by `mvn package` (antrun) once target/katadbg/{bin,lib} are laid out:
#  1. picks the JVM the launchers run: $KATADBG_RUNTIME_JAVA if set, else the newest JDK 25 or
#     later under /usr/lib/jvm (its AOT cache starts katadbg fastest), else the JVM of this
#     build; its absolute path is baked into bin/* (containerd runs the wrapper with its own
#     PATH);
#  2. trains that JVM's class cache on katadbg (dev.katadbg.cli.CacheTraining in a scratch
#     directory): lib/katadbg.aot on JDK 25+, lib/katadbg.jsa (AppCDS) on JDK 17-24. The
#     launchers use the cache only with the baked JVM and only while lib/class-cache.stamp
#     matches the jars: the JVM rejects a cache whose jars' timestamps changed (a copy without
#     -p), and then runs slower than with no cache at all.
# Usage: dist-jvm.sh BUILD_JAVA DIST_DIR
set -eu
build_java=$1
dist=$2
flags="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss512k"

major() { # the feature release of a java binary, e.g. 17 or 25
  "$1" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

java=${KATADBG_RUNTIME_JAVA:-}
if [ -z "$java" ]; then
  best=0
  for j in /usr/lib/jvm/*/bin/java; do
    [ -x "$j" ] || continue
    m=$(major "$j")
    if [ "${m:-0}" -ge 25 ] && [ "$m" -gt "$best" ]; then best=$m; java=$j; fi
  done
  [ -n "$java" ] || java=$build_java
fi
java=$(readlink -f "$java")
m=$(major "$java")
echo "katadbg's launchers run $java (Java $m)"
# From Java 23 the JVM warns on stderr the first time a library (protobuf-java) uses
# sun.misc.Unsafe's memory access (JEP 471/498): such a line would land in a command's output
# or, from the wrapper, in the runtime manager's reply. Older JVMs refuse the option.
opts=
[ "$m" -ge 23 ] && opts=--sun-misc-unsafe-memory-access=allow
for f in "$dist"/bin/*; do
  sed -e "s|@JAVA@|$java|g" -e "s|@JAVA_OPTS@|$opts|g" "$f" > "$f.tmp" && chmod 755 "$f.tmp" \
    && mv "$f.tmp" "$f"
done

lib=$dist/lib
rm -f "$lib/katadbg.aot" "$lib/katadbg.jsa" "$lib/class-cache.stamp"
if [ "$m" -ge 25 ]; then kind=aot; out="-XX:AOTCacheOutput=$lib/katadbg.aot"
elif [ "$m" -ge 17 ]; then kind=jsa; out="-XX:ArchiveClassesAtExit=$lib/katadbg.jsa"
else echo "Java $m: no class cache"; exit 0
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/katadbg-training.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
# shellcheck disable=SC2086
"$java" $flags $opts "$out" -Xlog:disable -Xlog:all=error:stderr -cp "$lib/katadbg.jar" \
  dev.katadbg.cli.CacheTraining "$scratch" "$lib/katadbg.jar" </dev/null >"$scratch/log" 2>&1 || {
  echo "the class cache's training run failed:"; cat "$scratch/log"; exit 1; }
cache=${out#*=}
[ -s "$cache" ] || { echo "the training run wrote no class cache ($cache):"; cat "$scratch/log"; exit 1; }
# The launchers compare this with the same stat of the jars (dash globs in byte order).
echo "$kind $(stat --printf '%Y:%s,' "$lib"/*.jar)" > "$lib/class-cache.stamp"
echo "class cache $cache: $(du -k "$cache" | cut -f1) KiB"
