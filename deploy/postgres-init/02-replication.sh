#!/usr/bin/env bash
# Lets a standby stream from this database (the "ha" profile of docker-compose.yml): a role that
# may only replicate, and a pg_hba.conf line letting it in over the network with its password.
# Like 01-roles.sh, the image runs this once, when it initialises an empty data volume.
set -eo pipefail

: "${THEMATIC_REPLICATION_PASSWORD:?THEMATIC_REPLICATION_PASSWORD must be set (see docker-compose.yml)}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
	-v replication_password="$THEMATIC_REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE thematic_replication LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'replication_password';
SQL
echo "host replication thematic_replication all scram-sha-256" >> "$PGDATA/pg_hba.conf"
