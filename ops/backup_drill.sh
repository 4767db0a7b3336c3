#!/usr/bin/env bash
# The backup and restore drill (issue 14 point 6), run in CI on the demo data:
#
#   PGURL=postgres://ck:ck@127.0.0.1:5432 ops/backup_drill.sh
#
# 1. a fresh database `<prefix>_src` is migrated and loaded with the demo data, plus money
#    (ops/_drill_money.py: 300 web orders with their entries, a payout batch, a correction);
# 2. ops/backup.sh dumps it; ops/restore.sh restores it into a fresh `<prefix>_restored`;
# 3. `ledger_check --summary` on both must pass and print the same summary (entry and line
#    counts, balance per account kind, a checksum over every account balance), and the row
#    counts of the main tables must be equal;
# 4. a backup with one flipped byte is refused by the checksum check.
# Both databases are dropped at the end. PGURL names a role that may create databases.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PGURL:?set PGURL, e.g. postgres://ck:ck@127.0.0.1:5432}"
PGBIN="${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
PREFIX="${DRILL_PREFIX:-ck_drill_$$}"
SRC="$PGURL/${PREFIX}_src"
DST="$PGURL/${PREFIX}_restored"
WORK=$(mktemp -d /tmp/ck-drill.XXXXXX)
ADMIN_DB="$PGURL/postgres"
cleanup() {
  "$PGBIN/psql" "$ADMIN_DB" -qc "DROP DATABASE IF EXISTS ${PREFIX}_src" >/dev/null 2>&1 || true
  "$PGBIN/psql" "$ADMIN_DB" -qc "DROP DATABASE IF EXISTS ${PREFIX}_restored" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
SECONDS=0
"$PGBIN/psql" "$ADMIN_DB" -qc "CREATE DATABASE ${PREFIX}_src"
"$PGBIN/psql" "$ADMIN_DB" -qc "CREATE DATABASE ${PREFIX}_restored"

DATABASE_URL="$SRC" uv run python manage.py migrate --noinput -v 0
DATABASE_URL="$SRC" uv run python manage.py seed_demo >/dev/null
DATABASE_URL="$SRC" uv run python ops/_drill_money.py | tail -1
before=$(DATABASE_URL="$SRC" uv run python manage.py ledger_check --summary)
BACKUP=$(DATABASE_URL="$SRC" MEDIA_ROOT="$WORK/no-media" ops/backup.sh "$WORK/backups")
echo "backup: $(du -sh "$BACKUP" | cut -f1) in $BACKUP"
DATABASE_URL="$DST" ops/restore.sh "$BACKUP" >/dev/null
after=$(DATABASE_URL="$DST" uv run python manage.py ledger_check --summary)
if [[ "$before" != "$after" ]]; then
  echo "the restored ledger differs:" >&2
  echo "before: $before" >&2
  echo "after:  $after" >&2
  exit 1
fi
count_rows() {
  "$PGBIN/psql" "$1" -Atc "select 'schools', count(*) from schools_school union all
    select 'people', count(*) from rosters_person union all
    select 'memberships', count(*) from memberships_membership union all
    select 'orders', count(*) from orders_budgetorder union all
    select 'invoices', count(*) from orders_invoice union all
    select 'weborders', count(*) from weborders_weborder union all
    select 'audit', count(*) from core_auditentry order by 1"
}
if [[ "$(count_rows "$SRC")" != "$(count_rows "$DST")" ]]; then
  echo "row counts differ after the restore" >&2
  diff <(count_rows "$SRC") <(count_rows "$DST") >&2 || true
  exit 1
fi
# A damaged backup is refused before anything is restored.
cp -r "$BACKUP" "$WORK/damaged"
printf '\x00' | dd of="$WORK/damaged/db.dump" bs=1 seek=100 count=1 conv=notrunc 2>/dev/null
if DATABASE_URL="$DST" ops/restore.sh "$WORK/damaged" >/dev/null 2>&1; then
  echo "a damaged backup was not refused" >&2
  exit 1
fi
echo "backup drill ok in ${SECONDS}s: $(echo "$after" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["entries"], "entries,", d["lines"], "lines, balances", d["balances_sha256"][:12])')"
