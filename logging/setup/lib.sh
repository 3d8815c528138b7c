# Shared by elasticsearch-setup.sh and kibana-setup.sh (POSIX sh + curl).
# Sourced, not run. The caller sets NAME, BASE_URL and WAIT_SECONDS.
# Passwords reach curl through a config file (-K) on /tmp (a tmpfs), never as
# arguments, and are never printed.

log() { echo "$NAME: $*"; }
fail() {
  echo "$NAME: ERROR: $*" >&2
  exit 1
}

# read_secret FILE: the content of $SECRETS_DIR/FILE, which must exist and be
# made of characters that are safe inside a JSON string and a curl config line.
read_secret() {
  secret_file="$SECRETS_DIR/$1"
  [ -s "$secret_file" ] || fail "secret $secret_file is missing or empty (secrets-init writes it)"
  secret=$(cat "$secret_file")
  case $secret in
    *[!A-Za-z0-9._~-]*) fail "secret $secret_file holds characters other than A-Z a-z 0-9 . _ ~ -" ;;
  esac
  printf '%s' "$secret"
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
AUTH="$WORK/auth"
BODY="$WORK/body"

# use_credentials USER PASSWORD
use_credentials() {
  (umask 077 && printf 'user = "%s:%s"\n' "$1" "$2" >"$AUTH")
}

# call METHOD PATH [DATA_FILE [CONTENT_TYPE]]: sets STATUS (000 when nothing
# answered) and leaves the response in $BODY.
call() {
  set -- "$1" "$2" "${3:-}" "${4:-application/json}"
  if [ -n "$3" ]; then
    STATUS=$(curl -sS -K "$AUTH" -o "$BODY" -w '%{http_code}' --max-time 30 \
      -X "$1" -H "Content-Type: $4" -H 'kbn-xsrf: true' --data-binary "@$3" "$BASE_URL$2" 2>"$WORK/curl.err") || STATUS=000
  else
    STATUS=$(curl -sS -K "$AUTH" -o "$BODY" -w '%{http_code}' --max-time 30 \
      -X "$1" -H 'kbn-xsrf: true' "$BASE_URL$2" 2>"$WORK/curl.err") || STATUS=000
  fi
}

# What went wrong, in one line: the status and the start of the answer.
describe() {
  case $STATUS in
    000) printf 'no answer from %s (%s)' "$BASE_URL" "$(tr '\n' ' ' <"$WORK/curl.err" | cut -c1-200)" ;;
    401) printf 'HTTP 401: %s rejected the credentials (%s)' "$BASE_URL" "$CREDENTIALS_HINT" ;;
    *) printf 'HTTP %s: %s' "$STATUS" "$(tr '\n' ' ' <"$BODY" | cut -c1-500)" ;;
  esac
}

# request METHOD PATH [DATA_FILE [CONTENT_TYPE]]: call, and stop the job
# unless the answer is 2xx.
request() {
  call "$@"
  case $STATUS in
    2??) ;;
    *) fail "$1 $2: $(describe)" ;;
  esac
}

# wait_until_ready PATH: polls until PATH answers 200. Unreachable and 5xx
# are retried until WAIT_SECONDS; 401 and 403 stop at once (waiting does not
# fix a wrong password).
wait_until_ready() {
  deadline=$(($(date +%s) + WAIT_SECONDS))
  while :; do
    call GET "$1"
    case $STATUS in
      200) return 0 ;;
      401 | 403) fail "GET $1: $(describe)" ;;
    esac
    if [ "$(date +%s)" -ge "$deadline" ]; then
      fail "not ready after ${WAIT_SECONDS}s, last answer to GET $1: $(describe)"
    fi
    sleep 2
  done
}
