#!/bin/sh
# Installs the Debian packages named on the command line when their commands are missing.
# Usage: scripts/ensure-debian.sh PKG[:COMMAND]…  (COMMAND defaults to PKG), e.g.
#   scripts/ensure-debian.sh nginx haproxy wrk iptables
# Idempotent: does nothing when every command is already on PATH. Needs root and apt-get;
# otherwise it says what to install and exits 1. Never leaves a distro service running.
set -eu
missing=""
for spec in "$@"; do
  pkg=${spec%%:*}
  cmd=${spec#*:}
  [ "$cmd" = "$spec" ] && cmd=$pkg
  if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
    missing="$missing $pkg"
  fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-debian: missing:$missing (install them with apt-get as root)" >&2
  exit 1
fi
# Keep package scripts from starting services (nginx, haproxy) during installation.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
