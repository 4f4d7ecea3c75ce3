# Sourced by ./build and ./platform: sets JAVA_HOME to a JDK 25 or newer.
# Order: $JAVA_HOME if it is 25+, then /usr/lib/jvm/*, then the java on PATH.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
pick_jdk() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*/ "$(dirname "$(dirname "$(readlink -f "$(command -v java || echo /nonexistent)")")")"; do
    candidate="${candidate%/}"
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    local major; major="$(java_major "$candidate")"
    if [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null; then echo "$candidate"; return 0; fi
  done
  return 1
}
if ! JAVA_HOME="$(pick_jdk)"; then
  echo "error: no JDK 25 or newer found (looked at \$JAVA_HOME, /usr/lib/jvm/*, and java on PATH)." >&2
  echo "       Install one (e.g. Temurin 25) or point JAVA_HOME at it." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
