"""Two more stored tsvectors on the offers (PostgreSQL only; decision MS-8): the stems as
they are (`search_words`, configuration `simple`) and reversed (`search_rev`), each with a
GIN index. A query stem then matches an indexed word that starts with it (`stem:*` on
`search_words`) or ends with it (the reversed stem `:*` on `search_rev`) from the indexes
alone; the trigram regex this replaces had to re-read (de-TOAST) the search text of every
candidate row (~180 ms of the 240 ms of bench/marketplace_search.py's text query)."""

from django.db import migrations

PG_UP = [
    "ALTER TABLE marketplace_offer ADD COLUMN search_words tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "ALTER TABLE marketplace_offer ADD COLUMN search_rev tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple', reverse(search_text))) STORED",
    "CREATE INDEX IF NOT EXISTS offer_search_words ON marketplace_offer USING gin (search_words)",
    "CREATE INDEX IF NOT EXISTS offer_search_rev ON marketplace_offer USING gin (search_rev)",
]
PG_DOWN = [
    "DROP INDEX IF EXISTS offer_search_rev",
    "DROP INDEX IF EXISTS offer_search_words",
    "ALTER TABLE marketplace_offer DROP COLUMN IF EXISTS search_rev",
    "ALTER TABLE marketplace_offer DROP COLUMN IF EXISTS search_words",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0004_search_indexes")]

    operations = [migrations.RunPython(_run(PG_UP), _run(PG_DOWN))]
