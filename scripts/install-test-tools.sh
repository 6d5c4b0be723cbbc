#!/usr/bin/env bash
# Installs, from Debian's archive, what the tests need beside npm packages and the Temporal CLI:
# Chromium (browser tests) and PostgreSQL (tests on a real server). Only what is missing; needs root.
# .ci/run calls it, and so do the tests' global setup on a machine that lacks either.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "test tools missing (${missing[*]}): install them with apt-get as root" >&2
  exit 3
fi
echo "installing ${missing[*]} from Debian's archive (once per machine, a minute or two) ..." >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
