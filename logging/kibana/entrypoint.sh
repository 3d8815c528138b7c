#!/bin/sh
# Kibana has no _FILE variables; an environment variable would show in
# `docker inspect`. So this builds a keystore on the container's tmpfs from
# the secret files, points Kibana's config directory there and execs the
# image's own entrypoint.
set -eu

secrets=${SECRETS_DIR:-/run/app-secrets}
conf=/tmp/kibana-config
mkdir -p "$conf"
cp /logging/kibana/kibana.yml "$conf/kibana.yml"
export KBN_PATH_CONF="$conf"

for file in kibana_system_password kibana_encryption_keys; do
  [ -s "$secrets/$file" ] || { echo "kibana: secret $secrets/$file is missing or empty (secrets-init writes it)" >&2; exit 1; }
done

keystore=/usr/share/kibana/bin/kibana-keystore
"$keystore" create --silent
# add_secret SETTING: the value from stdin, never an argument.
add_secret() { "$keystore" add "$1" --stdin --force --silent; }
add_secret elasticsearch.password <"$secrets/kibana_system_password"
# Three keys of 48 characters (Kibana requires at least 32), one per line.
sed -n 1p "$secrets/kibana_encryption_keys" | add_secret xpack.security.encryptionKey
sed -n 2p "$secrets/kibana_encryption_keys" | add_secret xpack.encryptedSavedObjects.encryptionKey
sed -n 3p "$secrets/kibana_encryption_keys" | add_secret xpack.reporting.encryptionKey

exec /bin/tini -- /usr/local/bin/kibana-docker
