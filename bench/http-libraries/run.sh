#!/usr/bin/env bash
# The comparison behind ./reason4j serve's HTTP library (docs/serve.md): the dependency closure of Jetty 12 core,
# Javalin 7 and Helidon SE 4 (jar count and bytes), and requests/s of a trivial GET /health on each, from one
# Java HttpClient with 16 virtual threads (20,000 requests after as many to warm up), all on loopback.
# Usage: bench/http-libraries/run.sh   (needs Maven and JDK 25; downloads the three libraries once)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/env.sh"
reason4j_setup
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
declare -A dep=(
  [jetty]='<dependency><groupId>org.eclipse.jetty</groupId><artifactId>jetty-server</artifactId><version>12.1.14</version></dependency>'
  [javalin]='<dependency><groupId>io.javalin</groupId><artifactId>javalin</artifactId><version>7.2.3</version></dependency>'
  [helidon]='<dependency><groupId>io.helidon.webserver</groupId><artifactId>helidon-webserver</artifactId></dependency>')
declare -A main=([jetty]=JettyServer [javalin]=JavalinServer [helidon]=HelidonServer)
"$JAVA_HOME/bin/javac" -d "$work/load" "$here/Load.java"
for lib in jetty javalin helidon; do
  mkdir -p "$work/$lib"
  cat > "$work/$lib/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>bench</groupId><artifactId>$lib</artifactId><version>1</version>
<dependencyManagement><dependencies><dependency><groupId>io.helidon</groupId><artifactId>helidon-bom</artifactId>
<version>4.5.0</version><type>pom</type><scope>import</scope></dependency></dependencies></dependencyManagement>
<dependencies>${dep[$lib]}</dependencies></project>
POM
  (cd "$work/$lib" && mvn -q -B dependency:build-classpath -Dmdep.outputFile=cp.txt >/dev/null)
  cp="$(cat "$work/$lib/cp.txt")"
  jars=$(tr ':' '\n' <<<"$cp" | grep -c .)
  bytes=$(tr ':' '\n' <<<"$cp" | xargs du -cb | tail -1 | cut -f1)
  "$JAVA_HOME/bin/javac" -cp "$cp" -d "$work/$lib/classes" "$here/${main[$lib]}.java"
  "$JAVA_HOME/bin/java" -Xmx512m -cp "$work/$lib/classes:$cp" "${main[$lib]}" > "$work/$lib/port" 2>/dev/null &
  pid=$!
  for _ in $(seq 100); do grep -qE '^[0-9]+$' "$work/$lib/port" 2>/dev/null && break; sleep 0.1; done
  rate=$("$JAVA_HOME/bin/java" -cp "$work/load" Load "$(head -1 "$work/$lib/port")" 20000)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  printf '%-8s %3d jars %5.1f MB  %s\n' "$lib" "$jars" "$(echo "$bytes / 1000000" | bc -l)" "$rate"
done
