#!/bin/sh
# Preflight for Elasticsearch: its memory-mapped store and the host's
# vm.max_map_count. ES_ALLOW_MMAP is Elasticsearch's node.store.allow_mmap
# (deploy/compose/logging.yaml passes both from one value):
# - false (the local default): Elasticsearch reads its indices without mmap
#   (niofs) and needs no host setting; this says so and passes.
# - true (the AWS hosts): it maps its index files into memory; below 262144
#   areas it fails at random with mmap errors (with single-node discovery it
#   does not check this itself). Exits 1 with a message saying how to fix it;
#   warns below the recommended value.
# MAX_MAP_COUNT_FILE replaces /proc/sys/vm/max_map_count (tests only).
set -eu

MINIMUM=262144
RECOMMENDED=1048576
file=${MAX_MAP_COUNT_FILE:-/proc/sys/vm/max_map_count}

case ${ES_ALLOW_MMAP-} in
  true) ;;
  false)
    here=$(cat "$file" 2>/dev/null) || here=unknown
    echo "preflight: mmap off (ES_ALLOW_MMAP=false): Elasticsearch reads its indices through niofs, so vm.max_map_count" \
      "($here here) does not matter; ES_ALLOW_MMAP=true is faster where it is at least $MINIMUM (logging/README.md)"
    exit 0
    ;;
  *)
    echo "preflight: ES_ALLOW_MMAP is '${ES_ALLOW_MMAP-}'; it must be true or false (Elasticsearch's node.store.allow_mmap)" >&2
    exit 1
    ;;
esac

if ! value=$(cat "$file" 2>/dev/null) || [ -z "$value" ]; then
  echo "preflight: cannot read $file; cannot check vm.max_map_count" >&2
  exit 1
fi
case $value in
  *[!0-9]*)
    echo "preflight: $file holds '$value', not a number" >&2
    exit 1
    ;;
esac

if [ "$value" -lt "$MINIMUM" ]; then
  cat >&2 <<MSG
preflight: vm.max_map_count is $value on this host; Elasticsearch needs at least $MINIMUM ($RECOMMENDED recommended).
preflight: fix it on the Docker host (not in a container), then start the stack again:
preflight:   sudo sysctl -w vm.max_map_count=$RECOMMENDED
preflight:   echo 'vm.max_map_count=$RECOMMENDED' | sudo tee /etc/sysctl.d/99-elasticsearch.conf
preflight: on Docker Desktop, run the sysctl inside its VM (logging/README.md).
preflight: or run Elasticsearch without mmap (slower searches): set ES_ALLOW_MMAP=false, or unset it.
MSG
  exit 1
fi
if [ "$value" -lt "$RECOMMENDED" ]; then
  echo "preflight: vm.max_map_count is $value: enough (minimum $MINIMUM), below the recommended $RECOMMENDED"
else
  echo "preflight: vm.max_map_count is $value: ok"
fi
