#!/bin/sh
# Run by /docker-entrypoint.sh before nginx starts. Writes worker_processes and
# worker_connections into the rendered-config directory (a tmpfs owned by nginx
# in compose; nginx.conf itself stays read-only), sized from the container's
# cgroup limits instead of the host:
#  - workers: the CPU quota rounded up (cgroup v2 cpu.max, v1 cfs quota), at most
#    the CPUs this process may run on (nproc honours cpusets); no quota: nproc.
#  - connections per worker: what the memory limit holds after a base for the
#    master and each worker, at PER_CONNECTION_KIB each, between 64 and 1024
#    (nginx.conf's former value); no memory limit: 1024.
# The official image's 30-tune-worker-processes.sh edits /etc/nginx/nginx.conf
# in place, which a read-only root file system and the unprivileged user refuse.
set -eu

ME=$(basename "$0")
OUT="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
# Measured on this image (cgroup peak, 1 worker, autocannon with gzip): idle
# 4.6 MB; 1000 connections for a gzipped 15 KB asset 10.8 MB; 1000 clients
# proxied to a slow API (so about as many upstream connections) 24.3 MB, i.e.
# about 9 KiB a connection. Twice that and some, for larger bodies: 32 KiB.
# The base: 8 MiB for the master and shared pages, 4 MiB a worker.
PER_CONNECTION_KIB=32
BASE_MIB=8
PER_WORKER_MIB=4

cpus=$(nproc)
quota="" period=""
if [ -r /sys/fs/cgroup/cpu.max ]; then
    read -r quota period </sys/fs/cgroup/cpu.max
elif [ -r /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
    quota=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)
    period=$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)
fi
case "$quota" in
    '' | max | -*) ;;
    *)
        limit=$(((quota + period - 1) / period))
        if [ "$limit" -ge 1 ] && [ "$limit" -lt "$cpus" ]; then cpus=$limit; fi
        ;;
esac

memory=""
if [ -r /sys/fs/cgroup/memory.max ]; then
    memory=$(cat /sys/fs/cgroup/memory.max)
elif [ -r /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
    memory=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
fi
connections=1024
case "$memory" in
    '' | max) ;;
    *)
        # cgroup v1 reports "no limit" as a huge number: the clamp below handles it.
        per_worker=$(((memory / 1024 - (BASE_MIB + PER_WORKER_MIB * cpus) * 1024) / PER_CONNECTION_KIB / cpus))
        if [ "$per_worker" -lt 64 ]; then per_worker=64; fi
        if [ "$per_worker" -lt "$connections" ]; then connections=$per_worker; fi
        ;;
esac

mkdir -p "$OUT/main" "$OUT/events"
printf 'worker_processes %s;\n' "$cpus" >"$OUT/main/workers.conf"
printf 'worker_connections %s;\n' "$connections" >"$OUT/events/connections.conf"
echo "$ME: info: worker_processes $cpus, worker_connections $connections (cpu quota ${quota:-none}/${period:-none}, memory limit ${memory:-none})"
