#!/bin/sh
# The stack's generated secrets, run by the one-shot `secrets-init` service
# (deploy/compose/app.yaml) before anything that reads them. On the first start
# it writes each secret into the `app-secrets` volume; afterwards it keeps the
# value and only re-applies owner and mode, so a password never changes behind
# a database that already uses it.
#
# Each file belongs to the one user that reads it, mode 0400: every service
# mounts the whole volume (Compose has no per-file volume mounts here), so
# ownership is what keeps the API from reading the superuser's password.
#
# To add a secret: one line below, then mount app-secrets in the service that
# reads it and run that service as the uid given here.
set -eu

DIR=/secrets

# name                     owner uid  value
#   random: 48 hex characters from /dev/urandom
#   a path: that file's content when it is not empty (a compose secret), else random
SECRETS='
db_password                999        random
db_owner_password          1001       random
db_api_password            1000       random
db_monitor_password        65534      random
grafana_admin_password     472        /run/secrets/grafana_admin_password
'
# uids: 999 postgres (the db image), 1001 the migrate service, 1000 node (the
# API image), 65534 nobody (postgres-exporter), 472 grafana.

random() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

value_of() {
    if [ "$1" != random ] && [ -s "$1" ]; then
        # Without the trailing newline an editor leaves: it is not part of the password.
        printf '%s' "$(cat "$1")"
    else
        random
    fi
}

echo "$SECRETS" | while read -r name owner source; do
    case "$name" in '' | '#'*) continue ;; esac
    file="$DIR/$name"
    # A leftover from an interrupted run may be read-only (an older version
    # wrote it so): remove it rather than write through it.
    rm -f "$file.new"
    if [ -s "$file" ]; then
        echo "secrets-init: $name already present"
    else
        (umask 0377 && value_of "$source" >"$file.new")
        mv -f "$file.new" "$file"
        echo "secrets-init: wrote $name"
    fi
    chown "$owner:$owner" "$file"
    chmod 0400 "$file"
done
