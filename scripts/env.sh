# Sourced by ./reason4j and ./run-tests: locates (or installs) what Reason4j needs on a Debian machine.
# JDK >= 25 (JAVA_HOME first, then /usr/lib/jvm/*), Maven and bubblewrap.

reason4j_java_major() {  # prints the feature version of the java at $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

reason4j_find_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(reason4j_java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "reason4j: no JDK 25 or newer found (looked at JAVA_HOME and /usr/lib/jvm/*)." >&2
  echo "reason4j: install one, e.g. 'apt-get install temurin-25-jdk' from the Adoptium repository, or set JAVA_HOME." >&2
  return 1
}

reason4j_apt_install() {  # installs the Debian packages named, if missing and we may
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "reason4j: installing ${missing[*]} (apt-get)" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >&2 \
      || { echo "reason4j: apt-get install ${missing[*]} failed" >&2; return 1; }
  else
    echo "reason4j: missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
    return 1
  fi
}

reason4j_setup() {
  reason4j_find_jdk || return 1
  command -v mvn >/dev/null 2>&1 || reason4j_apt_install maven || return 1
  # bubblewrap is the code sandbox (the engine's kernels are all Java: no native library is needed).
  reason4j_apt_install bubblewrap || echo "reason4j: continuing without bubblewrap" >&2
  export PATH="$JAVA_HOME/bin:$PATH"
  # Maven 3.8 on JDK 25 warns about its own use of sun.misc.Unsafe; the warning is noise here.
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
}

reason4j_build() {  # builds target/reason4j.jar when it is missing or older than the sources
  local root="$1" jar="$1/target/reason4j.jar"
  if [ ! -f "$jar" ] || [ -n "$(find "$root/src/main" "$root/pom.xml" -newer "$jar" -print -quit)" ]; then
    echo "reason4j: building (mvn package)..." >&2
    (cd "$root" && mvn -q -B -DskipTests package) >&2 || { echo "reason4j: build failed" >&2; return 1; }
  fi
}
