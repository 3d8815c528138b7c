#!/bin/sh
# One-shot, idempotent (safe to re-run): makes Kibana show the logs with no
# manual step, through its HTTP API as the `elastic` superuser, then exits 0.
# Any failure exits 1 with the reason.
#
#   - data view logs-todo (logs-todo*, @timestamp, allowNoIndex: it works
#     before the first log arrives), Kibana's default data view
#   - saved searches "API errors" and "Slow requests" (saved-objects.ndjson)
#
# Environment: KIBANA_URL, SECRETS_DIR, CONFIG_DIR, KIBANA_WAIT_SECONDS (default 300).
set -eu

NAME=kibana-setup
BASE_URL=${KIBANA_URL:?KIBANA_URL is not set}
WAIT_SECONDS=${KIBANA_WAIT_SECONDS:-300}
SECRETS_DIR=${SECRETS_DIR:-/run/app-secrets}
CONFIG_DIR=${CONFIG_DIR:-/logging/kibana}
CREDENTIALS_HINT="the elastic password in $SECRETS_DIR/elastic_password"

# shellcheck source=logging/setup/lib.sh
. "$(dirname "$0")/lib.sh"

for file in data-view.json saved-objects.ndjson; do
  [ -r "$CONFIG_DIR/$file" ] || fail "$CONFIG_DIR/$file is missing"
done

use_credentials elastic "$(read_secret elastic_password)"

log "waiting for $BASE_URL (up to ${WAIT_SECONDS}s)"
wait_until_ready /api/status

# override: true replaces the view if it exists: re-runs converge.
request POST /api/data_views/data_view "$CONFIG_DIR/data-view.json"
log "data view logs-todo in place"

printf '{"data_view_id":"logs-todo","force":true}' >"$WORK/default.json"
request POST /api/data_views/default "$WORK/default.json"
log "logs-todo is the default data view"

# multipart upload of the saved searches; overwrite=true keeps ids stable.
STATUS=$(curl -sS -K "$AUTH" -o "$BODY" -w '%{http_code}' --max-time 30 -X POST -H 'kbn-xsrf: true' \
  --form "file=@$CONFIG_DIR/saved-objects.ndjson" "$BASE_URL/api/saved_objects/_import?overwrite=true" 2>"$WORK/curl.err") || STATUS=000
case $STATUS in
  2??) ;;
  *) fail "POST /api/saved_objects/_import: $(describe)" ;;
esac
# The import answers 200 even when objects fail; its body says which.
grep -q '"success":true' "$BODY" || fail "POST /api/saved_objects/_import: $(describe)"
log "saved searches \"API errors\" and \"Slow requests\" in place"

log "done"
