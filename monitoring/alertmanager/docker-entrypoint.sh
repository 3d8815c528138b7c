#!/bin/sh
# Starts Alertmanager whether or not a Slack webhook is configured, and says
# which. The webhook file is read by Alertmanager at send time
# (global.slack_api_url_file); compose mounts /dev/null there by default.
set -eu

webhook_file=/run/secrets/slack_webhook_url
webhook=$(tr -d ' \t\r\n' < "$webhook_file" 2>/dev/null || true)

case "$webhook" in
  https://* | http://*)
    echo "docker-entrypoint: Slack webhook configured ($webhook_file)" >&2
    ;;
  *)
    echo "docker-entrypoint: WARNING: no Slack webhook configured ($webhook_file is empty, missing or not a URL)." >&2
    echo "docker-entrypoint: WARNING: alerts are still evaluated and routed, but Slack notifications will fail." >&2
    echo "docker-entrypoint: WARNING: set SLACK_WEBHOOK_URL_FILE, see docs/monitoring.md#connecting-slack." >&2
    ;;
esac

exec /bin/alertmanager "$@"
