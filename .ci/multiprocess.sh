#!/usr/bin/env bash
# More than one machine (issue 14 point 5): two gunicorn web processes and one Celery worker
# against one PostgreSQL and one Redis. Shows that the state that must be shared is shared:
# - the rate limit: failed sign-ins spread over both processes are counted together, and a
#   changed X-Forwarded-For header does not reset the per-account limit;
# - the idempotency store: the same Idempotency-Key sent to both processes at the same moment
#   makes one payout batch, and both answers are that batch;
# - a session made on one process is valid on the other (sessions in the database);
# - work dispatched from outside the web processes runs on the worker (a scheduled job).
#
#   DATABASE_URL=postgres://…/empty_db REDIS_URL=redis://127.0.0.1:6379/1 .ci/multiprocess.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?a PostgreSQL database (migrated here)}"
: "${REDIS_URL:?a Redis for the cache, rate limits and the broker}"
export DEBUG=0 CK_ALLOW_CLOCK_OVERRIDE=0 ALLOWED_HOSTS=127.0.0.1
export SECRET_KEY="mp-$(date +%s)-a-long-random-enough-secret-key-for-the-two-processes-0123456789"
export CK_CELERY_BROKER_URL="$REDIS_URL" CELERY_BROKER_URL="$REDIS_URL"
unset DJANGO_SETTINGS_MODULE
WORK=$(mktemp -d /tmp/ck-mp.XXXXXX)
pids=()
cleanup() {
  local rc=$? p f
  if ((rc)); then
    for f in "$WORK"/*.log; do echo "--- $f"; tail -n 30 "$f"; done
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

uv run python manage.py migrate --noinput -v 0
ADMIN_EMAIL="mp-admin-$(date +%s)-$RANDOM@example.org"  # a fresh account: a fresh limit
uv run python manage.py create_admin --email "$ADMIN_EMAIL" --token-file "$WORK/admin.token" >/dev/null
uv run python ops/_drill_money.py --checked-only >/dev/null
A=$(port); B=$(port)
for P in "$A" "$B"; do
  uv run gunicorn cultuurkaart.conf.wsgi --bind "127.0.0.1:$P" --workers 1 --threads 4 \
    --access-logfile - >"$WORK/web-$P.log" 2>&1 &
  pids+=($!)
done
uv run celery -A cultuurkaart.conf.celery worker --pool solo --loglevel WARNING \
  >"$WORK/worker.log" 2>&1 &
pids+=($!)
CK_PORTS="$A $B" CK_TOKEN_FILE="$WORK/admin.token" CK_ADMIN_EMAIL="$ADMIN_EMAIL" \
  uv run python .ci/multiprocess_check.py
# 4. A scheduled job sent to the broker (as beat sends it) runs on the worker.
uv run python manage.py shell -v 0 -c "
import time
from cultuurkaart.core.models import JobRun
from cultuurkaart.core.tasks import run_job
run_job.apply_async(args=('purge-roster-files',))
deadline = time.monotonic() + 120
while not JobRun.objects.filter(name='purge-roster-files', status='ok').exists():
    if time.monotonic() > deadline:
        raise SystemExit('FAIL  the worker did not run the job')
    time.sleep(0.5)
print('ok    a job sent to the broker ran on the worker')
"
