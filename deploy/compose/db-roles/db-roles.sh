#!/bin/sh
# Run by the one-shot `db-roles` service (deploy/compose/app.yaml) on every
# `up`, after the database is healthy: creates or updates the stack's roles
# (db-roles.sql). Connects as the image's superuser; its password goes to psql
# through the environment of this process only, never a command line or a log.
set -eu
PGPASSWORD=$(cat /run/app-secrets/db_password)
export PGPASSWORD
exec psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 --file /db-roles/db-roles.sql
