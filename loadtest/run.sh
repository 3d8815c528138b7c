#!/bin/sh
# Runs one k6 load shape (loadtest/<shape>.ts) in the `loadtest` compose
# profile against the stack that is already running; `npm run load:<shape>`
# calls this. Extra arguments go to `k6 run` (e.g. --summary-mode=full).
#
#   LOAD_RATE=10 LOAD_HOLD=30m npm run load:average
#   CHAOS_SHARE=0.2 npm run load:average         # drills beside the users
#
# Settings are environment variables (loadtest/README.md). Do not pass
# --vus, --duration, --iterations or --stages (nor K6_VUS and friends): k6
# would replace the shape's scenarios with a plain VU loop and only warn; the
# scripts refuse to start instead. Load beyond the API's rate limiter (600
# requests per minute from k6) needs the stack started with
# API_RATE_LIMIT_MAX=0; the scripts refuse a run that would meet the limiter.
set -eu

usage="usage: loadtest/run.sh smoke|average|stress|spike|soak|breakpoint [k6 run options]"
shape=${1:?$usage}
shift
case $shape in
  smoke | average | stress | spike | soak | breakpoint) ;;
  *)
    echo "loadtest/run.sh: unknown shape '$shape'; $usage" >&2
    exit 2
    ;;
esac

cd "$(dirname "$0")/.."
# Summaries land here, written by k6 as the invoking user (see loadtest.yaml).
mkdir -p "${K6_RESULTS_DIR:-artifacts/k6}"
# Absolute, since compose resolves relative paths against deploy/compose/.
K6_RESULTS_DIR=$(cd "${K6_RESULTS_DIR:-artifacts/k6}" && pwd)
K6_UID=$(id -u)
K6_GID=$(id -g)
export K6_UID K6_GID K6_RESULTS_DIR
exec docker compose --profile loadtest run --rm --no-deps k6 run "$@" "/scripts/$shape.ts"
