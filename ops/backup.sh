#!/usr/bin/env bash
# Back up the PostgreSQL database and the uploaded files (docs/deployment.md, "Backups").
#
#   DATABASE_URL=postgres://user:pass@host:port/db ops/backup.sh [DIR]
#
# Writes DIR/<UTC time>/db.dump (pg_dump custom format: compressed, restorable table by table,
# consistent as of the moment it started, taken without stopping the platform) and, when
# MEDIA_ROOT holds files, media.tar.gz; then a SHA256SUMS file. Prints the backup directory.
# This is the logical backup of the drill and of small installations; production adds
# continuous WAL archiving for point-in-time recovery (docs/deployment.md).
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to the database to back up}"
ROOT="${1:-var/backups}"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
DIR="$ROOT/$STAMP"
mkdir -p "$DIR"
PGBIN="${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
"$PGBIN/pg_dump" --format=custom --compress=6 --no-owner --no-privileges \
  --file "$DIR/db.dump" "$DATABASE_URL"
MEDIA="${MEDIA_ROOT:-var/media}"
if [[ -d "$MEDIA" ]] && [[ -n "$(ls -A "$MEDIA" 2>/dev/null)" ]]; then
  tar -czf "$DIR/media.tar.gz" -C "$MEDIA" .
fi
(cd "$DIR" && sha256sum -- * > SHA256SUMS)
echo "$DIR"
