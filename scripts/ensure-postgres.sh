#!/usr/bin/env bash
# Start the machine's PostgreSQL cluster if it is installed but down (tests need it).
set -u
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 0.5; done
fi
echo "warning: PostgreSQL is not reachable on 127.0.0.1:5432 (tests fail in CI without it)" >&2
exit 0
