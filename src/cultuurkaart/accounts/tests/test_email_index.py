"""Sign-in, activation and password reset find an account by e-mail case-insensitively
(`email__iexact`); on PostgreSQL the index on UPPER(email) serves that lookup (decision NN-5:
without it every sign-in read all users of the national data set)."""

import pytest
from django.db import connection, transaction

from cultuurkaart.accounts.models import User


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_case_insensitive_email_lookup_uses_the_upper_index():
    User.objects.create_user("Iemand@Example.org", "x" * 12)
    qs = User.objects.filter(email__iexact="IEMAND@example.ORG")
    with transaction.atomic(), connection.cursor() as cursor:
        # A tiny table is cheaper to scan; forbid that to see whether the index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert "accounts_user_email_upper" in plan
    assert qs.get().email == "iemand@example.org"
