#!/usr/bin/env bash
# Installs (if needed) and starts a local PostgreSQL for the tests, and prints its admin URL.
# Used by .ci/run; run it by hand to test against PostgreSQL locally:
#   export TEST_DATABASE_URL=$(bash scripts/ci-postgres.sh)
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "postgresql: installing from Debian's archive ..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
fi
version=$(pg_lsclusters -h | awk 'NR==1 {print $1}')
cluster=$(pg_lsclusters -h | awk 'NR==1 {print $2}')
if [ -z "${version}" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  cluster=main
  pg_createcluster "${version}" "${cluster}" >&2
fi
port=$(pg_lsclusters -h | awk -v v="${version}" -v c="${cluster}" '$1==v && $2==c {print $3}')
pg_ctlcluster "${version}" "${cluster}" start >&2 2>/dev/null || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "${port}" && break
  sleep 1
done
runuser -u postgres -- psql -q -p "${port}" -c "ALTER USER postgres PASSWORD 'postgres';" >&2
echo "postgres://postgres:postgres@127.0.0.1:${port}/postgres"
