#!/usr/bin/env bash
# observable-todo-deploy: brings this host to the bundle named in SSM.
#
# Run by cloud-init on the first boot and by the State Manager association
# (deploy.tf) on every new bundle hash; safe to run again at any time:
#   1. mounts the encrypted data volume at /var/lib/docker (formats it only
#      when it has no filesystem, i.e. on its very first use);
#   2. installs Docker Engine, the Compose plugin and unzip from Ubuntu's
#      archive, and the AWS CLI, each only when missing;
#   3. fetches the bundle from S3 and checks its content hash;
#   4. writes the secrets from SSM SecureStrings (mode 0600) and the .env;
#   5. on a host that runs Elasticsearch, raises vm.max_map_count (now and
#      on every boot) and turns its memory-mapped store on (ES_ALLOW_MMAP);
#   6. swaps the new tree in and starts or reloads observable-todo.service.
# Any missing parameter, bundle or device stops it with an error (exit 1)
# before anything running is touched. Secret values are never printed.
set -euo pipefail

# The AWS CLI comes as a snap; cloud-init's and the SSM agent's PATH may lack /snap/bin.
PATH="$PATH:/snap/bin"
CONFIG=${OBSERVABLE_TODO_CONFIG:-/etc/observable-todo/deploy.env}
ROOT=/opt/observable-todo
DATA_MOUNT=/var/lib/docker
# How long to wait for the data volume and the other host's address to appear
# (both are created by Terraform after the instance starts booting), and for
# the first parameter read to succeed.
WAIT_SECONDS=${OBSERVABLE_TODO_WAIT_SECONDS:-300}
# Elasticsearch with mmap needs vm.max_map_count >= 262144; Elastic recommends
# 1048576. Written here, applied now and by systemd-sysctl on every boot.
MAX_MAP_COUNT=1048576
SYSCTL_FILE=/etc/sysctl.d/99-observable-todo.conf

log() { printf 'observable-todo-deploy: %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -r "$CONFIG" ] || die "missing $CONFIG (written by cloud-init)"
# shellcheck source=/dev/null
. "$CONFIG"
for var in AWS_REGION PARAM_PREFIX BUNDLE_BUCKET HOST_ROLE DATA_VOLUME_ID DATA_DEVICE_NAME; do
  [ -n "${!var:-}" ] || die "$var is not set in $CONFIG"
done
export AWS_REGION AWS_DEFAULT_REGION="$AWS_REGION"

# cloud-init and the association may start at the same moment: one at a time.
exec 9>/run/observable-todo-deploy.lock
flock 9

# The value of an SSM parameter; fails (non-zero) when it does not exist.
param() {
  aws ssm get-parameter --name "$1" "${@:2}" --query Parameter.Value --output text
}

# Like param, but waits for parameters Terraform writes after the instance exists.
param_eventually() {
  local deadline=$((SECONDS + WAIT_SECONDS)) value
  until value=$(param "$1" 2>/dev/null); do
    ((SECONDS < deadline)) || die "SSM parameter $1 not readable after ${WAIT_SECONDS}s"
    sleep 5
  done
  printf '%s' "$value"
}

mount_data_volume() {
  if mountpoint -q "$DATA_MOUNT"; then
    return
  fi
  # Nitro instances expose EBS as NVMe; udev names the link after the volume id.
  local candidates=("/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${DATA_VOLUME_ID//-/}" "${DATA_DEVICE_NAME/\/dev\/sd//dev/xvd}" "$DATA_DEVICE_NAME")
  local deadline=$((SECONDS + WAIT_SECONDS)) device=""
  while [ -z "$device" ]; do
    for candidate in "${candidates[@]}"; do
      if [ -b "$candidate" ]; then
        device=$(readlink -f "$candidate")
        break
      fi
    done
    if [ -z "$device" ]; then
      ((SECONDS < deadline)) || die "data volume $DATA_VOLUME_ID is not attached (looked for ${candidates[*]})"
      sleep 5
    fi
  done
  if ! blkid "$device" >/dev/null 2>&1; then
    log "formatting the new data volume $DATA_VOLUME_ID ($device)"
    mkfs.ext4 -q -L observable-data "$device"
  fi
  local uuid
  uuid=$(blkid -s UUID -o value "$device")
  [ -n "$uuid" ] || die "no filesystem UUID on $device"
  # nofail: a missing volume must not keep the host from booting (and from SSM).
  grep -q "^UUID=$uuid " /etc/fstab || printf 'UUID=%s %s ext4 defaults,nofail 0 2\n' "$uuid" "$DATA_MOUNT" >>/etc/fstab
  mkdir -p "$DATA_MOUNT"
  mount "$DATA_MOUNT"
  log "data volume $DATA_VOLUME_ID mounted at $DATA_MOUNT"
}

install_packages() {
  local need=()
  command -v docker >/dev/null || need+=(docker.io)
  docker compose version >/dev/null 2>&1 || need+=(docker-compose-v2)
  command -v unzip >/dev/null || need+=(unzip)
  if ((${#need[@]} > 0)); then
    log "installing ${need[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
  fi
  # Ubuntu 24.04 packages no AWS CLI; AWS's own build comes as a snap.
  if ! command -v aws >/dev/null; then
    log "installing the AWS CLI"
    snap install aws-cli --classic
  fi
  systemctl enable --now docker.service
}

# vm.max_map_count at least MAX_MAP_COUNT, now and after a reboot; never
# lowered (a host may have set more).
raise_max_map_count() {
  local current
  current=$(sysctl -n vm.max_map_count) || die "cannot read vm.max_map_count"
  [[ $current =~ ^[0-9]+$ ]] || die "vm.max_map_count is '$current', not a number"
  local wanted=$((current > MAX_MAP_COUNT ? current : MAX_MAP_COUNT))
  if ((current < wanted)); then
    sysctl -q -w "vm.max_map_count=$wanted" >/dev/null || die "cannot set vm.max_map_count to $wanted"
    log "vm.max_map_count raised from $current to $wanted ($SYSCTL_FILE)"
  fi
  install -d -m 0755 "$(dirname "$SYSCTL_FILE")"
  printf '# Written by observable-todo-deploy: Elasticsearch memory-maps its indices (ES_ALLOW_MMAP=true).\nvm.max_map_count = %s\n' \
    "$wanted" >"$SYSCTL_FILE"
}

# SHA-256 over "sha256  path" lines of every file, sorted by path, joined
# with newlines: the same manifest modules/bundle-files hashes.
tree_hash() {
  (cd "$1" && find . -type f -printf '%P\n' | LC_ALL=C sort | while IFS= read -r file; do
    printf '%s  %s\n' "$(sha256sum <"$file" | cut -d' ' -f1)" "$file"
  done) | head -c -1 | sha256sum | cut -d' ' -f1
}

mount_data_volume
install_packages

# Waits: on the first boot the instance role's credentials may take a few
# seconds to be usable.
key=$(param_eventually "$PARAM_PREFIX/deploy/bundle-key")
expected=$(basename "$key" .zip)
[[ $expected =~ ^[0-9a-f]{64}$ ]] || die "bundle key $key does not name a content hash"

install -d -m 0755 "$ROOT"
staging=$(mktemp -d "$ROOT/.staging.XXXXXX")
trap 'rm -rf "$staging"' EXIT
aws s3 cp --only-show-errors "s3://$BUNDLE_BUCKET/$key" "$staging/bundle.zip" || die "cannot fetch s3://$BUNDLE_BUCKET/$key"
unzip -q "$staging/bundle.zip" -d "$staging/app" || die "bundle $key is not a readable zip"
actual=$(tree_hash "$staging/app")
[ "$actual" = "$expected" ] || die "bundle content hash is $actual, its key says $expected"

# The stack's configuration: which override and services this host runs, and
# the addresses the overrides bind to or point at.
case "$HOST_ROLE" in
  single)
    override=deploy/terraform/compose/single-host.yaml
    services=""
    elasticsearch=yes
    ;;
  app)
    override=deploy/terraform/compose/app-host.yaml
    services="secrets-init db api frontend node-exporter postgres-exporter nginx-exporter fluent-bit monitoring-host-relay"
    elasticsearch=no
    ;;
  monitoring)
    override=deploy/terraform/compose/monitoring-host.yaml
    services="secrets-init prometheus alertmanager grafana blackbox-exporter app-host-relay elasticsearch elasticsearch-setup kibana kibana-setup elasticsearch-exporter log-probes"
    elasticsearch=yes
    ;;
  *) die "HOST_ROLE must be single, app or monitoring, not $HOST_ROLE" ;;
esac
[ -f "$staging/app/$override" ] || die "the bundle has no $override"

env_file="$staging/app/.env"
printf '# Written by observable-todo-deploy for bundle %s; rewritten on every deploy.\n' "$expected" >"$env_file"
if [ "$HOST_ROLE" != single ]; then
  # Assignments, not arguments: a failed lookup must stop the script (set -e
  # ignores a failing $(...) inside another command's arguments).
  app_ip=$(param_eventually "$PARAM_PREFIX/hosts/app/private-ip")
  monitoring_ip=$(param_eventually "$PARAM_PREFIX/hosts/monitoring/private-ip")
  printf 'OBSERVABLE_TODO_APP_HOST_IP=%s\nOBSERVABLE_TODO_MONITORING_HOST_IP=%s\n' "$app_ip" "$monitoring_ip" >>"$env_file"
fi
if [ "$elasticsearch" = yes ]; then
  # Memory-mapped index files (faster searches; the local stack's default is
  # off, logging/README.md). Before compose_env, whose ES_ALLOW_MMAP=false wins.
  printf 'ES_ALLOW_MMAP=true\n' >>"$env_file"
fi
extra_env=$(param "$PARAM_PREFIX/deploy/env") || die "cannot read SSM parameter $PARAM_PREFIX/deploy/env"
[ "$extra_env" = "#none" ] || printf '%s\n' "$extra_env" >>"$env_file"

secrets_dir="$staging/app/deploy/compose/secrets"
install -d -m 0700 -o root -g root "$secrets_dir"
manifest=$(param "$PARAM_PREFIX/deploy/secrets") || die "cannot read SSM parameter $PARAM_PREFIX/deploy/secrets"
if [ "$manifest" != "#none" ]; then
  while IFS='|' read -r name file env_var owner; do
    [ -n "$name" ] || continue
    [[ $file =~ ^[a-z0-9][a-z0-9_.-]*$ && $env_var =~ ^[A-Z][A-Z0-9_]*_FILE$ && $owner =~ ^[0-9]+$ ]] ||
      die "bad line for $name in $PARAM_PREFIX/deploy/secrets"
    value=$(param "$name" --with-decryption) || die "cannot read secret parameter $name"
    [ -n "$value" ] || die "secret parameter $name is empty"
    (umask 077 && printf '%s\n' "$value" >"$secrets_dir/$file")
    # Compose bind-mounts the file as it is (no uid/mode for file secrets,
    # docker/compose#9648): owner is the user the container reads it as.
    chown "$owner:0" "$secrets_dir/$file"
    chmod 0600 "$secrets_dir/$file"
    printf '%s=./secrets/%s\n' "$env_var" "$file" >>"$env_file"
    log "secret $name -> deploy/compose/secrets/$file ($env_var)"
  done <<<"$manifest"
fi
unset value
chmod 0600 "$env_file"

# What the unit runs (observable-todo.service reads it).
cat >"$staging/host.env" <<HOSTENV
COMPOSE_OVERRIDE=$ROOT/app/$override
COMPOSE_SERVICES=$services
HOSTENV

# Host settings, once every check above has passed; before the stack starts.
[ "$elasticsearch" = no ] || raise_max_map_count

# Swap: a failed deploy above leaves the running tree alone.
rm -rf "$ROOT/app.previous"
[ ! -d "$ROOT/app" ] || mv "$ROOT/app" "$ROOT/app.previous"
mv "$staging/app" "$ROOT/app"
mv "$staging/host.env" "$ROOT/host.env"
rm -rf "$ROOT/app.previous"

systemctl daemon-reload
systemctl enable observable-todo.service
# Reload when running: `up -d --build --wait` recreates only what changed.
systemctl reload-or-restart observable-todo.service
log "deployed bundle $expected as $HOST_ROLE"
