#!/usr/bin/env bash
# Starts a local PostgreSQL for the tests (installing it from Debian's archive unless --no-install),
# makes a test role that may create databases, and prints its URL. Used by .ci/run and, when
# TEST_DATABASE_URL is unset, by the tests' global setup. Needs root (it runs the server as postgres).
set -euo pipefail
install=1
[ "${1:-}" = "--no-install" ] && install=0
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  if [ "${install}" = 0 ]; then echo "postgresql is not installed" >&2; exit 3; fi
  echo "postgresql: installing from Debian's archive ..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
fi
cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
if [ -z "${cluster}" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_createcluster "${version}" main >&2
  cluster="${version} main"
fi
read -r version name <<<"${cluster}"
port=$(pg_lsclusters -h | awk -v v="${version}" -v c="${name}" '$1==v && $2==c {print $3}')
pg_ctlcluster "${version}" "${name}" start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "${port}" && break
  sleep 1
done
runuser -u postgres -- psql -q -p "${port}" -v ON_ERROR_STOP=1 >&2 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'spartoo_test') THEN
    CREATE ROLE spartoo_test LOGIN CREATEDB PASSWORD 'spartoo_test';
  END IF;
END $$;
SQL
echo "postgres://spartoo_test:spartoo_test@127.0.0.1:${port}/postgres"
