#!/bin/sh
# One-shot, idempotent (safe to re-run): prepares Elasticsearch for the log
# pipeline as the `elastic` superuser, then exits 0. Any failure exits 1 with
# the reason, which keeps Fluent Bit and Kibana from starting (compose's
# service_completed_successfully).
#
#   - kibana_system's password (Kibana logs in with it)
#   - role + user todo_log_writer (Fluent Bit): create_doc and auto_configure
#     on logs-todo*, nothing else
#   - role + user todo_log_monitor (exporter, probes): cluster monitor, and
#     read_failure_store on logs-todo*
#   - role + user todo_log_reader (Grafana): read on logs-todo*
#   - ILM policy logs-todo-retention: delete LOG_RETENTION_DAYS days after rollover
#   - component template logs@custom: that policy and our field types
#
# Environment: ES_URL, SECRETS_DIR, CONFIG_DIR, LOG_RETENTION_DAYS,
# ES_WAIT_SECONDS (default 180).
set -eu

NAME=elasticsearch-setup
BASE_URL=${ES_URL:?ES_URL is not set}
WAIT_SECONDS=${ES_WAIT_SECONDS:-180}
SECRETS_DIR=${SECRETS_DIR:-/run/app-secrets}
CONFIG_DIR=${CONFIG_DIR:-/logging/elasticsearch}
RETENTION_DAYS=${LOG_RETENTION_DAYS:-30}
CREDENTIALS_HINT="the elastic password in $SECRETS_DIR/elastic_password; Elasticsearch only takes it when its data volume is created, so an older es-data volume keeps an older password: docker compose down -v resets both"

# shellcheck source=logging/setup/lib.sh
. "$(dirname "$0")/lib.sh"

case $RETENTION_DAYS in
  '' | *[!0-9]* | 0*) fail "LOG_RETENTION_DAYS must be a whole number of days from 1, got '$RETENTION_DAYS'" ;;
esac
for file in writer-role.json monitor-role.json reader-role.json ilm-policy.json logs-custom.json; do
  [ -r "$CONFIG_DIR/$file" ] || fail "$CONFIG_DIR/$file is missing"
done

use_credentials elastic "$(read_secret elastic_password)"
# Read every secret before changing anything: a missing one changes nothing.
kibana_system_password=$(read_secret kibana_system_password)
writer_password=$(read_secret es_writer_password)
monitor_password=$(read_secret es_monitor_password)
reader_password=$(read_secret es_reader_password)

log "waiting for $BASE_URL (up to ${WAIT_SECONDS}s)"
wait_until_ready '/_cluster/health?wait_for_status=yellow&timeout=5s'

# Password bodies are files under $WORK (mode 0600), not arguments.
password_body() {
  (umask 077 && printf '{"password":"%s"}' "$1" >"$WORK/password.json")
}
user_body() {
  (umask 077 && printf '{"password":"%s","roles":["%s"],"full_name":"%s"}' "$1" "$2" "$3" >"$WORK/user.json")
}

password_body "$kibana_system_password"
request POST /_security/user/kibana_system/_password "$WORK/password.json"
log "kibana_system password set"

request PUT /_security/role/todo_log_writer "$CONFIG_DIR/writer-role.json"
user_body "$writer_password" todo_log_writer "Fluent Bit log writer"
request PUT /_security/user/todo_log_writer "$WORK/user.json"
log "role and user todo_log_writer in place"

request PUT /_security/role/todo_log_monitor "$CONFIG_DIR/monitor-role.json"
user_body "$monitor_password" todo_log_monitor "Prometheus exporter and probes"
request PUT /_security/user/todo_log_monitor "$WORK/user.json"
log "role and user todo_log_monitor in place"

request PUT /_security/role/todo_log_reader "$CONFIG_DIR/reader-role.json"
user_body "$reader_password" todo_log_reader "Grafana log reader"
request PUT /_security/user/todo_log_reader "$WORK/user.json"
log "role and user todo_log_reader in place"

sed "s/__RETENTION_DAYS__/$RETENTION_DAYS/g" "$CONFIG_DIR/ilm-policy.json" >"$WORK/ilm-policy.json"
request PUT /_ilm/policy/logs-todo-retention "$WORK/ilm-policy.json"
log "ILM policy logs-todo-retention: delete ${RETENTION_DAYS} days after rollover"

request PUT /_component_template/logs@custom "$CONFIG_DIR/logs-custom.json"
log "component template logs@custom in place"

log "done"
