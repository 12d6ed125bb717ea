#!/usr/bin/env bash
# Starts a throwaway MongoDB-wire server (SecantusDB, pinned) on a free loopback port for the MongoDB adapter's
# suite, and prints only `export ...` lines on stdout; everything else goes to stderr.
# Usage:  eval "$(bash .ci/mongodb.sh)"        # exports MONGODB_URL, ATOM_MONGO_PID, ATOM_MONGO_DIR
#         bash .ci/mongodb.sh --stop            # stops the server those variables name (idempotent)
# No mongod can be installed on the project's machines; see packages/oauth-store/README.md, "Tested against".
set -euo pipefail

SECANTUS_VERSION=0.7.0b3
START_TIMEOUT_S=60
STOP_TIMEOUT_S=10

log() { echo "mongodb.sh: $*" >&2; }

if [[ ${1:-} == --stop ]]; then
  pid=${ATOM_MONGO_PID:-}
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((STOP_TIMEOUT_S * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then log "server $pid ignored SIGTERM for ${STOP_TIMEOUT_S}s, killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  if [[ -n ${ATOM_MONGO_DIR:-} && ${ATOM_MONGO_DIR} == /tmp/atom-mongo.* ]]; then rm -rf "$ATOM_MONGO_DIR"; fi
  exit 0
fi

if [[ $(python3 -c 'import importlib.metadata as m; print(m.version("secantusdb"))' 2>/dev/null || true) != "$SECANTUS_VERSION" ]]; then
  log "installing secantusdb==$SECANTUS_VERSION with pip"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "secantusdb==$SECANTUS_VERSION" >&2
fi

dir=$(mktemp -d /tmp/atom-mongo.XXXXXX)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# Asks the server for `buildInfo`; prints "name version (MongoDB x, wire y)" once it answers.
probe() {
  python3 - "$1" <<'PY' 2>/dev/null
import sys
from pymongo import MongoClient
client = MongoClient(sys.argv[1], serverSelectionTimeoutMS=500, connectTimeoutMS=500)
info = client.admin.command("buildInfo")
wire = client.admin.command("hello")["maxWireVersion"]
name = "SecantusDB " + info["secantusVersion"] if "secantusVersion" in info else "mongod"
print(f"{name} (reports MongoDB {info['version']}, wire version {wire})")
PY
}

# The port is free when picked but could be taken before the server binds it: retry with a new one.
for attempt in 1 2 3; do
  port=$(free_port)
  url="mongodb://127.0.0.1:$port/"
  # TMPDIR: its ":memory:" WiredTiger home is a temp dir; inside $dir, --stop removes it even after a SIGKILL.
  TMPDIR=$dir python3 -m secantus --host 127.0.0.1 --port "$port" --storage-path :memory: --standalone --log-level WARNING \
    </dev/null >"$dir/server.log" 2>&1 &
  pid=$!
  deadline=$((SECONDS + START_TIMEOUT_S))
  server=""
  while ((SECONDS < deadline)) && kill -0 "$pid" 2>/dev/null; do
    if server=$(probe "$url"); then break; fi
    server=""
    sleep 0.2
  done
  if [[ -n $server ]]; then
    log "$server listening on 127.0.0.1:$port (pid $pid)"
    echo "export MONGODB_URL=$url"
    echo "export ATOM_MONGO_PID=$pid"
    echo "export ATOM_MONGO_DIR=$dir"
    exit 0
  fi
  log "attempt $attempt: the server on port $port did not answer within ${START_TIMEOUT_S}s; its log:"
  tail -n 20 "$dir/server.log" >&2 || true
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
rm -rf "$dir"
log "could not start SecantusDB $SECANTUS_VERSION"
exit 1
