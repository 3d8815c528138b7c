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
#   keys: three random lines (Kibana's three encryption keys, each 48 characters; it wants 32 or more)
#   fluent-bit-env, es-exporter-auth: a config file carrying a password written
#     above, for images that read no password file (Fluent Bit's included `env:`
#     section, the Elasticsearch exporter's auth_modules file)
#   a path: that file's content when it is not empty (a compose secret), else random
# Order matters: a derived file comes after the password it carries.
SECRETS='
db_password                999        random
db_owner_password          1001       random
db_api_password            10001      random
db_monitor_password        65534      random
grafana_admin_password     472        /run/secrets/grafana_admin_password
elastic_password           1000       random
kibana_system_password     1000       random
kibana_encryption_keys     1000       keys
es_writer_password         0          random
es_monitor_password        65534      random
es_reader_password         472        random
fluent-bit-secrets.yaml    0          fluent-bit-env
es-exporter.yml            65534      es-exporter-auth
'
# uids: 999 postgres (the db image), 1001 the migrate service, 10001 the API
# (its image's own uid, not node's 1000, which the Elasticsearch and Kibana
# images run as), 65534 nobody (postgres-exporter, the Elasticsearch exporter,
# the log probes), 472 grafana, 1000 Elasticsearch and Kibana, 0 Fluent Bit
# (root without capabilities: it reads root's 0640 container logs). The two
# logging setup jobs run as root with DAC_READ_SEARCH and read any of them.

random() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

value_of() {
    case "$1" in
        random) random ;;
        keys) printf '%s\n%s\n%s\n' "$(random)" "$(random)" "$(random)" ;;
        fluent-bit-env) printf 'env:\n  ES_WRITER_PASSWORD: "%s"\n' "$(cat "$DIR/es_writer_password")" ;;
        es-exporter-auth)
            printf 'auth_modules:\n  todo:\n    type: userpass\n    userpass:\n      username: todo_log_monitor\n      password: "%s"\n' \
                "$(cat "$DIR/es_monitor_password")"
            ;;
        *)
            if [ -s "$1" ]; then
                # Without the trailing newline an editor leaves: it is not part of the password.
                printf '%s' "$(cat "$1")"
            else
                random
            fi
            ;;
    esac
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
