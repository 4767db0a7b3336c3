import re

import pytest
from django.db import IntegrityError

from cultuurkaart.memberships import codes, services
from cultuurkaart.memberships.models import ActivationCode
from cultuurkaart.memberships.queries import current_codes

from .factories import PersonFactory

CODE_RE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10,}$")


def test_generated_codes_use_the_unambiguous_alphabet_and_are_long_enough():
    generated = {codes.generate() for _ in range(500)}
    assert len(generated) == 500
    assert all(CODE_RE.match(code) for code in generated)


def test_normalise_accepts_spaces_dashes_and_lower_case_but_not_other_characters():
    code = codes.generate()
    assert codes.normalise(code.lower()) == code
    assert codes.normalise(codes.display(code)) == code
    assert codes.normalise(" " + code[:4] + " " + code[4:] + " ") == code
    assert codes.normalise(code[:-1]) is None  # too short
    assert codes.normalise(code + "A") is None  # too long
    assert codes.normalise("0" + code[1:]) is None  # 0 is not in the alphabet
    assert codes.normalise("O" + code[1:]) is None
    assert codes.normalise("") is None
    assert codes.normalise(None) is None


def test_hash_is_keyed_and_differs_from_a_plain_hash(settings):
    import hashlib

    code = codes.generate()
    first = codes.digest(code)
    assert first != hashlib.sha256(code.encode()).hexdigest()
    assert codes.matches(code, first)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert codes.digest(code) != first
    assert not codes.matches(code, first)


def test_key_rotation_keeps_old_codes_findable_and_readable(settings):
    code = codes.generate()
    old_hash, old_token = codes.digest(code), codes.encrypt(code)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "rotated-secret-key-for-this-test-only-0123456789"
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert old_hash in codes.digests(code)
    assert codes.decrypt(old_token) == code


def test_encryption_round_trips_and_hides_the_code():
    code = codes.generate()
    token = codes.encrypt(code)
    assert code not in token
    assert codes.decrypt(token) == code


@pytest.mark.django_db
def test_issue_code_stores_only_hash_and_ciphertext():
    person = PersonFactory()
    code = services.issue_code(person)
    row = ActivationCode.objects.get(person=person)
    assert code not in row.code_hash and code not in row.code_encrypted
    assert codes.matches(code, row.code_hash)
    assert current_codes([person.pk]) == {person.pk: code}


@pytest.mark.django_db
def test_new_code_replaces_the_previous_one():
    person = PersonFactory()
    first = services.issue_code(person)
    second = services.issue_code(person)
    assert first != second
    assert current_codes([person.pk]) == {person.pk: second}
    old = ActivationCode.objects.get(code_hash=codes.digest(first))
    assert old.revoked_at is not None and old.code_encrypted == ""


@pytest.mark.django_db
def test_at_most_one_current_code_per_person_is_enforced_by_the_database():
    person = PersonFactory()
    services.issue_code(person)
    with pytest.raises(IntegrityError):
        ActivationCode.objects.create(
            school=person.school,
            person=person,
            kind="student",
            code_hash=codes.digest(codes.generate()),
            code_encrypted="x",
        )


@pytest.mark.django_db
def test_revoke_codes_for_people_voids_unused_codes_only_of_those_people():
    a, b, c = PersonFactory.create_batch(3)
    _, _, code_c = (services.issue_code(p) for p in (a, b, c))
    assert services.revoke_codes_for_people([a.pk, b.pk]) == 2
    assert current_codes([a.pk, b.pk, c.pk]) == {c.pk: code_c}
    assert services.revoke_codes_for_people([a.pk]) == 0  # idempotent
    assert services.revoke_codes_for_people([]) == 0


@pytest.mark.django_db
def test_current_codes_handles_many_people_in_chunks():
    school_people = PersonFactory.create_batch(3)
    issued = {p.pk: services.issue_code(p) for p in school_people}
    ids = [*issued, *range(10_000_000, 10_002_500)]  # unknown ids are simply absent
    assert current_codes(ids) == issued
