#!/bin/sh
# Starts Alertmanager whether or not its webhooks are configured, says which
# are, and renders the configuration it runs.
#
# Each receiver reads its URL at send time from a compose secret under
# /run/secrets; compose mounts /dev/null for those not set (metrics.yaml):
#   - Slack (pager, alerts): left in the configuration even when unset, so an
#     alert that cannot reach a human fails visibly (log,
#     AlertmanagerNotificationsFailing) instead of disappearing.
#   - heartbeat: unset means off. Alertmanager 0.33 counts every send to an
#     empty url_file as a failed notification, once a minute for the Watchdog,
#     so its webhook_configs are left out of the rendered configuration and the
#     receiver is a null one.
#
# The configuration Alertmanager loads is rendered from --config.file into
# $ALERTMANAGER_RUNTIME_DIR (a tmpfs in compose), with a link to the templates
# next to the source, and --config.file is pointed at it. A reload (SIGHUP)
# re-reads the rendered copy and the templates; edits of alertmanager.yml need
# a restart, which renders again.
set -eu

secrets=${ALERTMANAGER_SECRETS_DIR:-/run/secrets}
runtime_dir=${ALERTMANAGER_RUNTIME_DIR:-/tmp/alertmanager}

log() { echo "docker-entrypoint: $*" >&2; }

# A URL in the file (never printed: it is a secret).
has_url() {
  case "$(tr -d ' \t\r\n' < "$1" 2>/dev/null || true)" in
    https://* | http://*) return 0 ;;
    *) return 1 ;;
  esac
}

report_slack() { # receiver channel file variable
  if has_url "$3"; then
    log "$1 ($2): webhook configured ($3)"
  else
    log "WARNING: $1 ($2): no webhook ($3 is empty, missing or not a URL); its notifications will fail."
    log "WARNING: set $4, see monitoring/README.md#connecting-slack."
  fi
}

report_slack slack-critical '#todo-pager' "$secrets/slack_pager_webhook_url" SLACK_PAGER_WEBHOOK_URL_FILE
report_slack slack-warning '#todo-alerts' "$secrets/slack_alerts_webhook_url" SLACK_ALERTS_WEBHOOK_URL_FILE

heartbeat_file=$secrets/heartbeat_webhook_url
if has_url "$heartbeat_file"; then
  heartbeat=on
  log "heartbeat: webhook configured ($heartbeat_file); the Watchdog is sent every minute."
else
  heartbeat=off
  log "heartbeat: off ($heartbeat_file is empty, missing or not a URL); the Watchdog is not sent anywhere."
  log "heartbeat: set HEARTBEAT_WEBHOOK_URL_FILE to page when alerting stops, see docs/runbooks/Watchdog.md."
fi

# The source configuration: --config.file=PATH, else Alertmanager's default.
source_config=/etc/alertmanager/alertmanager.yml
for arg; do
  case $arg in
    --config.file=*) source_config=${arg#--config.file=} ;;
    --config.file) log "ERROR: pass --config.file=PATH as one argument"; exit 1 ;;
  esac
done

mkdir -p "$runtime_dir"
rendered=$runtime_dir/alertmanager.yml
if [ "$heartbeat" = on ]; then
  cp "$source_config" "$rendered.new"
else
  # Drop everything nested under the list item `- name: heartbeat` (its
  # webhook_configs), keeping the item itself: a receiver with no integrations.
  awk '
    /^[[:space:]]*- name:[[:space:]]*heartbeat[[:space:]]*$/ {
      print; match($0, /^[[:space:]]*/); indent = RLENGTH; skipping = 1; next
    }
    skipping {
      match($0, /^[[:space:]]*/)
      if ($0 ~ /^[[:space:]]*(#.*)?$/ || RLENGTH > indent) next
      skipping = 0
    }
    { print }
  ' "$source_config" > "$rendered.new"
  if grep -q 'heartbeat_webhook_url' "$rendered.new"; then
    log "ERROR: could not leave the heartbeat webhook out of $source_config (is it still the receiver named heartbeat?)"
    exit 1
  fi
fi
mv -f "$rendered.new" "$rendered"
# Relative paths in the configuration (templates/*.tmpl) resolve against its directory.
ln -sfn "$(dirname "$source_config")/templates" "$runtime_dir/templates"

# The same arguments, with --config.file pointing at the rendered copy.
count=$#
found=no
for arg; do
  case $arg in
    --config.file=*) arg=--config.file=$rendered; found=yes ;;
  esac
  set -- "$@" "$arg"
done
shift "$count"
[ "$found" = yes ] || set -- "--config.file=$rendered" "$@"

exec /bin/alertmanager "$@"
