"""Web pages of the foundation: registration, school portal, back office."""

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, totp_device, with_role
from cultuurkaart.schools.constants import SchoolStatus
from cultuurkaart.schools.models import School
from cultuurkaart.schools.tests.factories import LocationFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def verified_client(user) -> Client:
    """A client logged in with password and second factor."""
    client = Client()
    client.force_login(user)
    if user.requires_two_factor():
        device = totp_device(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def registration_form(**overrides):
    data = {
        "location_code": "00AA01",
        "extra_location_codes": "",
        "programme": "vo-2024",
        "board_name": "Bestuur",
        "board_email": "bestuur@school.example",
        "directie_name": "",
        "directie_email": "",
        "budget_holder_name": "Bea",
        "budget_holder_email": "bea@school.example",
        "invoice_email": "facturen@school.example",
        "invoice_address": "Postbus 1",
        "refund_iban": "",
        "accept_terms": "on",
        "confirm_correct": "on",
        "confirm_mandate": "on",
    }
    data.update(overrides)
    return data


def test_registration_page_finds_locations_and_registers():
    LocationFactory(code="00AA01", name="Het Amstel Lyceum", postcode="1012AB")
    client = Client()
    page = client.get("/aanmelden/?zoek=1012ab")
    assert "Het Amstel Lyceum" in page.content.decode()
    response = client.post("/aanmelden/", registration_form())
    assert response.status_code == 302
    assert School.objects.get().status == SchoolStatus.PENDING


def test_registration_page_shows_errors_at_the_top_and_at_the_field():
    LocationFactory(code="00AA01")
    response = Client().post(
        "/aanmelden/", registration_form(location_code="99ZZ99", confirm_mandate="")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in html
    assert 'href="#id_confirm_mandate"' in html
    assert not School.objects.exists()
    response = Client().post("/aanmelden/", registration_form(location_code="99ZZ99"))
    assert "niet in het DUO-register" in response.content.decode()


def test_school_pages_are_404_for_other_schools_and_anonymous_users_must_log_in(school):
    other = SchoolFactory()
    teacher = with_role(UserFactory(), RoleName.TEACHER, school=school)
    client = verified_client(teacher)
    assert client.get(f"/school/{school.pk}/").status_code == 200
    assert client.get(f"/school/{other.pk}/").status_code == 404
    assert (
        client.get(f"/school/{school.pk}/instellingen/").status_code == 403
    )  # not a budget holder
    assert Client().get(f"/school/{school.pk}/").status_code == 302


def test_school_number_is_shown_top_right_on_every_school_page(budget_holder, school):
    client = verified_client(budget_holder)
    for path in ("", "instellingen/", "support/"):
        html = client.get(f"/school/{school.pk}/{path}").content.decode()
        assert f"CJP-schoolnummer: {school.school_number}" in html


def test_school_menu_shows_only_built_entries_in_manual_order(budget_holder, school):
    html = verified_client(budget_holder).get(f"/school/{school.pk}/").content.decode()
    assert html.index("Instellingen") < html.index("Support")
    assert 'href="#"' not in html


def test_settings_form_saves(budget_holder, school):
    client = verified_client(budget_holder)
    response = client.post(
        f"/school/{school.pk}/instellingen/",
        {
            "directie_name": "Dir",
            "directie_email": "dir@school.example",
            "invoice_email": "fac@school.example",
            "invoice_address": "Straat 1",
            "refund_iban": "NL91ABNA0417164300",
        },
    )
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.invoice_email == "fac@school.example"
    response = client.post(
        f"/school/{school.pk}/instellingen/",
        {
            "directie_name": "Dir",
            "directie_email": "dir@school.example",
            "invoice_email": "fac@school.example",
            "refund_iban": "NL12FOUT",
        },
    )
    assert "Dit IBAN klopt niet" in response.content.decode()


def test_backoffice_is_for_admins_only(budget_holder, admin):
    assert verified_client(budget_holder).get("/backoffice/").status_code == 403
    assert verified_client(admin).get("/backoffice/").status_code == 200


def test_backoffice_approves_and_rejects_registrations(admin):
    LocationFactory(code="00AA01")
    LocationFactory(code="00BB01")
    Client().post("/aanmelden/", registration_form())
    Client().post("/aanmelden/", registration_form(location_code="00BB01"))
    first, second = School.objects.order_by("pk")
    client = verified_client(admin)
    listing = client.get("/backoffice/aanmeldingen/").content.decode()
    assert first.name in listing and second.name in listing
    client.post(f"/backoffice/aanmeldingen/{first.pk}/goedkeuren/")
    first.refresh_from_db()
    assert first.status == SchoolStatus.ACTIVE and first.school_number
    response = client.post(f"/backoffice/aanmeldingen/{second.pk}/afwijzen/", {"reason": ""})
    assert response.status_code == 422
    client.post(f"/backoffice/aanmeldingen/{second.pk}/afwijzen/", {"reason": "Dubbel"})
    second.refresh_from_db()
    assert second.status == SchoolStatus.REJECTED


def test_backoffice_programme_create_and_edit(admin):
    client = verified_client(admin)
    data = {
        "code": "mbo-2025",
        "kind": "mbo",
        "name": "MBO 2025",
        "rate_ocw": "10.50",
        "rate_school": "10.50",
        "rate_admin_fee": "2.50",
        "rate_teacher_fee": "0",
        "teacher_free_count": "0",
        "rate_voucher": "5.25",
        "rate_dossier": "0",
        "order_from": "2024-09-01",
        "order_until": "2025-06-30",
        "roster_after": "2024-08-16",
        "spend_from": "2024-09-01",
        "spend_until": "2025-12-31",
    }
    assert client.post("/backoffice/programmas/nieuw/", data).status_code == 302
    response = client.post(
        "/backoffice/programmas/mbo-2025/",
        {**data, "name": "MBO 2025/26", "spend_until": "2024-01-01"},
    )
    assert "Einde ligt vóór het begin" in response.content.decode()
    assert (
        client.post("/backoffice/programmas/mbo-2025/", {**data, "name": "MBO 2025/26"}).status_code
        == 302
    )
    assert "MBO 2025/26" in client.get("/backoffice/programmas/").content.decode()


def test_backoffice_registry_upload(admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = verified_client(admin)
    good = SimpleUploadedFile(
        "vo.csv", b"VESTIGINGSNUMMER;VESTIGINGSNAAM;TOTAAL AANTAL LEERLINGEN\n00AA01;X;10\n"
    )
    assert client.post("/backoffice/register/", {"kind": "vo", "file": good}).status_code == 302
    bad = SimpleUploadedFile("vo.csv", b"FOO\n1\n")
    response = client.post("/backoffice/register/", {"kind": "vo", "file": bad})
    assert "Unknown columns" in response.content.decode()


def test_audit_log_page_lists_actions_without_personal_data(admin):
    LocationFactory(code="00AA01")
    Client().post("/aanmelden/", registration_form())
    html = verified_client(admin).get("/backoffice/audit/").content.decode()
    assert "schools.school.registered" in html
    assert "bea@school.example" not in html


def test_language_switch_to_english(school):
    teacher = with_role(UserFactory(), RoleName.TEACHER, school=school)
    client = verified_client(teacher)
    client.post("/accounts/taal/", {"language": "en", "next": "/"})
    html = client.get(f"/school/{school.pk}/support/").content.decode()
    assert 'lang="en"' in html


def test_backoffice_resets_two_factor_and_blocks_accounts(admin, budget_holder):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cultuurkaart.core.models import AuditEntry

    totp_device(budget_holder)
    client = verified_client(admin)
    assert (
        budget_holder.email
        in client.get(f"/backoffice/gebruikers/?zoek={budget_holder.email}").content.decode()
    )
    client.post(f"/backoffice/gebruikers/{budget_holder.pk}/", {"action": "reset_two_factor"})
    assert not TOTPDevice.objects.filter(user=budget_holder).exists()
    assert AuditEntry.objects.filter(action="accounts.two_factor.reset").exists()
    client.post(f"/backoffice/gebruikers/{budget_holder.pk}/", {"action": "block"})
    budget_holder.refresh_from_db()
    assert not budget_holder.is_active
    client.post(f"/backoffice/gebruikers/{admin.pk}/", {"action": "block"})
    admin.refresh_from_db()
    assert admin.is_active  # not oneself


def test_code_requests_menu_entry_only_for_mbo_schools():
    from cultuurkaart.schools.tests.factories import SchoolFactory as Factory

    vo, mbo = Factory(kind="vo"), Factory(kind="mbo")
    for school, expected in ((vo, False), (mbo, True)):
        holder = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
        html = verified_client(holder).get(f"/school/{school.pk}/").content.decode()
        assert ("Codeaanvragen" in html) is expected
