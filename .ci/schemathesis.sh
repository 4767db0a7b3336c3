#!/usr/bin/env bash
# Schema-driven fuzzing of the HTTP API against a LIVE server (issue 8 point 20).
#
# A fresh SQLite database is migrated and loaded with the demo data; a platform admin token
# and a budget holder token are made; `runserver --noreload` serves on a loopback port with
# the test clock off; schemathesis then generates requests from /api/v1/openapi.json and
# fails on a 5xx, an undocumented status code or content type, or a body that does not match
# its declared schema. Bounded in examples and time (two runs of at most 50 s each; about three
# minutes in all on two cores). Any failure fails CI: keep it at zero.
#
#   .ci/schemathesis.sh              (from the repository root; uv on PATH)
#   ST_MAX_EXAMPLES=50 ST_MAX_TIME=600 .ci/schemathesis.sh    a longer local run
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${ST_PORT:-$((20000 + RANDOM % 20000))}"
WORK=$(mktemp -d /tmp/ck-st.XXXXXX)
export DATABASE_URL="sqlite:///$WORK/db.sqlite3"
export DEBUG=0 CK_ALLOW_CLOCK_OVERRIDE=0 ALLOWED_HOSTS=127.0.0.1
export SECRET_KEY="st-$(date +%s)-$RANDOM-a-long-random-enough-secret-key-for-the-fuzzer-0123456789"
export CK_SITE_URL="http://127.0.0.1:$PORT"
unset DJANGO_SETTINGS_MODULE
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [[ -n "${ST_KEEP:-}" ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

SECONDS=0
uv run python manage.py migrate --noinput -v 0
uv run python manage.py seed_demo >/dev/null
uv run python manage.py create_admin --email st-admin@example.org --token-file "$WORK/admin.token" >/dev/null
# A budget holder of a demo school (its token reaches the school-scoped endpoints), and a
# schemathesis.toml whose dictionaries hold the ids of real demo objects: about half of the
# generated path ids then name an existing object, so real bodies are checked too.
uv run python manage.py shell -v 0 -c "
import json
from pathlib import Path
from cultuurkaart.accounts import services
from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import ApiToken, Role, User
from cultuurkaart.memberships.models import CodeRequest, InvitationBatch, Membership
from cultuurkaart.orders.models import BudgetOrder, Invoice
from cultuurkaart.rosters.models import Person
from cultuurkaart.schools.models import BudgetHolderChange, Programme, School
role = Role.objects.filter(role=RoleName.BUDGET_HOLDER).order_by('pk').first()
_, raw = services.create_api_token(role.user, name='schemathesis')
Path('$WORK/bh.token').write_text(raw)
ids = lambda model: [str(pk) for pk in model.objects.order_by('pk').values_list('pk', flat=True)[:20]]
dictionaries = {
    'school_id': [str(role.school_id)] + ids(School),
    'order_id': ids(BudgetOrder), 'invoice_id': ids(Invoice), 'person_id': ids(Person),
    'membership_id': ids(Membership), 'batch_id': ids(InvitationBatch),
    'request_id': ids(CodeRequest), 'user_id': ids(User), 'token_id': ids(ApiToken),
    'change_id': ids(BudgetHolderChange),
    'code': list(Programme.objects.values_list('code', flat=True)),
    'kind': ['students', 'teachers'],
    'name': ['close-objection-periods', 'invoice-reminders', 'expire-memberships'],
}
lines = []
for name, values in dictionaries.items():
    if values:
        lines += [f'[dictionaries.{name}]', 'values = ' + json.dumps(values), '']
lines.append('[parameters]')
for name, values in dictionaries.items():
    if values:
        lines.append(f'\"path.{name}\" = {{ dictionary = \"{name}\", probability = 0.5 }}')
Path('$WORK/schemathesis.toml').write_text(chr(10).join(lines) + chr(10))
"

uv run python manage.py runserver "127.0.0.1:$PORT" --noreload >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
python3 - "$PORT" "$SERVER_PID" <<'PY'
import os, sys, time, urllib.request
port, pid = sys.argv[1], int(sys.argv[2])
for _ in range(120):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2)
        sys.exit(0)
    except OSError:
        os.kill(pid, 0)  # the server died: stop waiting
        time.sleep(0.5)
sys.exit("the server did not answer within a minute")
PY

# Revoking a token (DELETE /me/tokens/{id}) would let the fuzzer revoke its own token and turn
# the rest of the run into 401s; the test suite covers that operation.
echo "--- set-up done in ${SECONDS}s"
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
run_st() {
  # $1: token file, then extra arguments
  local token
  token=$(cat "$1")
  shift
  uv run st --config-file "$WORK/schemathesis.toml" run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks "$CHECKS" \
    --phases examples,coverage,fuzzing \
    --max-examples "${ST_MAX_EXAMPLES:-15}" \
    --max-time "${ST_MAX_TIME:-50}" \
    --workers 1 --seed "${ST_SEED:-8}" --no-shrink \
    --request-timeout 30 --suppress-health-check all \
    --warnings off \
    --exclude-operation-id cultuurkaart_api_accounts_api_revoke_token "$@"
}

status=0
echo "--- schemathesis as a budget holder (school-scoped and personal endpoints)"
run_st "$WORK/bh.token" --include-path-regex '^/api/v1/(schools|me|budget-orders|invoices)' || status=1
echo "--- schemathesis as the platform admin (every endpoint)"
run_st "$WORK/admin.token" || status=1
echo "--- answers of the server during the run (status: count)"
grep -oE '" [0-9]{3} [0-9]+$' "$WORK/server.log" | awk '{print $2}' | sort | uniq -c | awk '{print "  " $2 ": " $1}'
# A 5xx under /api/ that the checks did not see (an undocumented method, say) still fails the
# run. (schemathesis also probes `/`: the pages need `collectstatic` with DEBUG=0, not tested here.)
if grep -qE '"[A-Z]+ /api/[^"]*" 5[0-9]{2} [0-9]+$' "$WORK/server.log"; then
  echo "the server answered 5xx:"
  grep -E '"[A-Z]+ /api/[^"]*" 5[0-9]{2} [0-9]+$' "$WORK/server.log" | head -20
  status=1
fi
if ((status)); then
  echo "schemathesis found failures; server log (last 80 lines):"
  tail -n 80 "$WORK/server.log"
fi
exit $status
