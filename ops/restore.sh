#!/usr/bin/env bash
# Restore a backup made by ops/backup.sh into an EMPTY database (docs/deployment.md).
#
#   DATABASE_URL=postgres://user:pass@host:port/newdb ops/restore.sh BACKUP_DIR [MEDIA_DIR]
#
# Verifies the checksums first (a damaged or altered backup is refused), restores with
# pg_restore (--exit-on-error, one transaction: all or nothing), unpacks the media when
# MEDIA_DIR is given, and runs `manage.py ledger_check`: every entry balances and every cached
# balance equals its lines. Refuses a database that already has tables.
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to the (empty) database to restore into}"
DIR="${1:?usage: ops/restore.sh BACKUP_DIR [MEDIA_DIR]}"
MEDIA_TARGET="${2:-}"
PGBIN="${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
(cd "$DIR" && sha256sum --quiet --check SHA256SUMS)
tables=$("$PGBIN/psql" "$DATABASE_URL" -Atc \
  "select count(*) from information_schema.tables where table_schema = 'public'")
if [[ "$tables" != "0" ]]; then
  echo "refusing to restore: the target database already has $tables tables" >&2
  exit 1
fi
"$PGBIN/pg_restore" --exit-on-error --single-transaction --no-owner --no-privileges \
  --dbname "$DATABASE_URL" "$DIR/db.dump"
if [[ -n "$MEDIA_TARGET" && -f "$DIR/media.tar.gz" ]]; then
  mkdir -p "$MEDIA_TARGET"
  tar -xzf "$DIR/media.tar.gz" -C "$MEDIA_TARGET"
fi
uv run python manage.py ledger_check
