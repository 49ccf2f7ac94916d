#!/usr/bin/env bash
# Creates thematic's roles and database. The official postgres image runs this once, as the
# superuser (POSTGRES_USER), when it initialises an empty data volume; it does not run again on
# later starts, so changing the passwords in the environment afterwards changes nothing here.
#
#   thematic_owner  owns the database and runs the migrations (DATABASE_URL). Not a superuser.
#   thematic_app    the role the server runs as (APP_DATABASE_URL): not a superuser, cannot bypass
#                   row-level security, owns nothing. `thematic serve` refuses to start otherwise.
#
# The same roles, with the same attributes, as internal/devdb creates for `make run` and tests.
# The image may source this file rather than run it, so it sets no shell options of its own
# beyond those its entrypoint already uses.
set -eo pipefail

: "${THEMATIC_OWNER_PASSWORD:?THEMATIC_OWNER_PASSWORD must be set (see docker-compose.yml)}"
: "${THEMATIC_APP_PASSWORD:?THEMATIC_APP_PASSWORD must be set (see docker-compose.yml)}"

# Passwords go in as psql variables (:'name' quotes them), never spliced into the SQL text.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
	-v owner_password="$THEMATIC_OWNER_PASSWORD" -v app_password="$THEMATIC_APP_PASSWORD" <<'SQL'
CREATE ROLE thematic_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'owner_password';
CREATE ROLE thematic_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_password';
CREATE DATABASE thematic OWNER thematic_owner;
SQL
