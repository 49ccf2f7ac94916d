#!/usr/bin/env bash
# The "ha" profile's standby (docker-compose.yml). On first start, with an empty data volume, it
# copies the primary with pg_basebackup (-R: standby.signal and primary_conninfo, named
# STANDBY_NAME so that the primary can list it in synchronous_standby_names); then it runs
# PostgreSQL as a hot standby that streams from the primary. `pg_ctl promote` makes it the primary.
set -euo pipefail

: "${PRIMARY_HOST:?}" "${STANDBY_NAME:?}" "${THEMATIC_REPLICATION_PASSWORD:?}"
PGDATA=${PGDATA:-/var/lib/postgresql/data}

mkdir -p "$PGDATA"
chown postgres:postgres "$PGDATA"
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
	conn="host=$PRIMARY_HOST port=5432 user=thematic_replication application_name=$STANDBY_NAME"
	PGPASSWORD="$THEMATIC_REPLICATION_PASSWORD" gosu postgres \
		pg_basebackup -d "$conn" -D "$PGDATA" -X stream -R -c fast
	echo "primary_conninfo = '$conn password=$THEMATIC_REPLICATION_PASSWORD'" >> "$PGDATA/postgresql.auto.conf"
fi
exec gosu postgres postgres -D "$PGDATA" -c hot_standby=on
