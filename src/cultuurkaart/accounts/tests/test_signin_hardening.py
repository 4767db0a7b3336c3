"""Issue 8 points 3, 5, 6 and 22 (sign-in, sessions, tokens, the account's language)."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client

from cultuurkaart.accounts import services
from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import ApiToken
from cultuurkaart.accounts.tests.factories import (
    PASSWORD,
    UserFactory,
    current_code,
    totp_device,
    with_role,
)
from cultuurkaart.core import clock

pytestmark = pytest.mark.django_db


def wrong(device) -> str:
    return "123456" if current_code(device) != "123456" else "654321"


def sign_in(client, user, password=PASSWORD):
    return client.post("/accounts/login/", {"email": user.email, "password": password})


def verified(user) -> Client:
    device = totp_device(user) if not hasattr(user, "_device") else user._device
    user._device = device
    client = Client()
    sign_in(client, user)
    device.refresh_from_db()
    device.throttle_reset()
    user._used_code = current_code(device)
    assert client.post("/accounts/tweestaps/", {"code": user._used_code}).status_code == 302
    return client


# --- point 3: two-factor failures per account across sessions --------------------------


def test_signing_in_again_does_not_reset_wrong_code_counts(budget_holder):
    device = totp_device(budget_holder)
    statuses = []
    for _ in range(9):  # nine fresh sign-ins, three wrong codes each: 27 codes
        client = Client()
        sign_in(client, budget_holder)
        for _ in range(3):
            device.refresh_from_db()
            device.throttle_reset()  # django-otp's own per-device delay is not the limit
            statuses.append(
                client.post("/accounts/tweestaps/", {"code": wrong(device)}).status_code
            )
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429] * 22
    # even the right code waits now, from a brand-new session
    client = Client()
    sign_in(client, budget_holder)
    device.refresh_from_db()
    device.throttle_reset()
    response = client.post("/accounts/tweestaps/", {"code": current_code(device)})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_wrong_codes_on_the_api_count_for_the_same_account(client, budget_holder):
    device = totp_device(budget_holder)
    for _ in range(5):
        device.refresh_from_db()
        device.throttle_reset()
        response = client.post(
            "/api/v1/auth/token",
            {"email": budget_holder.email, "password": PASSWORD, "otp": wrong(device)},
            content_type="application/json",
        )
        assert response.status_code == 401
    page = Client()
    sign_in(page, budget_holder)
    assert page.post("/accounts/tweestaps/", {"code": wrong(device)}).status_code == 429


# --- point 5: password reset ---------------------------------------------------------------


def test_reset_link_uses_the_site_url_not_the_host_header(
    settings, school, django_capture_on_commit_callbacks
):
    settings.CK_SITE_URL = "https://cultuurkaart.example"
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            "/accounts/wachtwoord/vergeten/", {"email": user.email}, HTTP_HOST="evil.example"
        )
    assert len(mail.outbox) == 1
    assert "https://cultuurkaart.example/accounts/wachtwoord/nieuw/" in mail.outbox[0].body
    assert "evil.example" not in mail.outbox[0].body


def test_reset_requests_are_throttled_per_address_and_per_client(school):
    user = UserFactory()
    client = Client()
    statuses = [
        client.post(
            "/accounts/wachtwoord/vergeten/", {"email": user.email}, REMOTE_ADDR=f"192.0.2.{n}"
        ).status_code
        for n in range(5)
    ]
    assert statuses == [302, 302, 302, 429, 429]  # one e-mail address, many clients
    statuses = [
        client.post(
            "/accounts/wachtwoord/vergeten/",
            {"email": f"x{n}@example.org"},
            REMOTE_ADDR="198.51.100.1",
        ).status_code
        for n in range(12)
    ]
    assert statuses[:10] == [302] * 10 and statuses[10:] == [429, 429]  # one client


def test_unknown_and_known_addresses_get_the_same_answer(school):
    user = UserFactory()
    known = Client().post("/accounts/wachtwoord/vergeten/", {"email": user.email})
    unknown = Client().post("/accounts/wachtwoord/vergeten/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


# --- point 6: tokens and sessions ---------------------------------------------------------


def test_tokens_expire_after_a_year_by_default(school):
    user = with_role(UserFactory(), RoleName.TEACHER, school=school)
    token, raw = services.create_api_token(user, name="SIS")
    assert token.expires_at - token.created_at == dt.timedelta(days=365)
    assert services.user_for_token(raw) == user
    with clock.frozen(token.expires_at + dt.timedelta(seconds=1)):
        assert services.user_for_token(raw) is None
    shorter = clock.now() + dt.timedelta(days=7)
    token, raw = services.create_api_token(user, name="kort", expires_at=shorter)
    assert token.expires_at == shorter
    with clock.frozen(shorter + dt.timedelta(seconds=1)):
        assert services.user_for_token(raw) is None


def test_api_lists_expiry_and_last_use_and_refuses_a_far_expiry(api_as, school):
    user = with_role(UserFactory(), RoleName.TEACHER, school=school)
    api = api_as(user)
    assert api.get("/me").status_code == 200
    listed = api.get("/me/tokens").json()["results"][0]
    assert listed["last_used_at"] is not None and listed["expires_at"] is not None
    far = (clock.now() + dt.timedelta(days=800)).isoformat()
    response = api.post("/me/tokens", {"name": "x", "password": PASSWORD, "expires_at": far})
    assert response.status_code == 422


def test_tokens_page_shows_last_use(school):
    user = with_role(UserFactory(), RoleName.TEACHER, school=school)
    _, raw = services.create_api_token(user, name="SIS")
    services.user_for_token(raw)
    client = Client()
    client.force_login(user)
    html = client.get("/account/sleutels/").content.decode()
    assert "Laatst gebruikt" in html
    assert clock.local_now().strftime("%Y") in html.split('data-testid="last-used">')[1][:20]


def test_minting_from_a_session_needs_the_password_and_a_fresh_code(budget_holder):
    client = verified(budget_holder)
    device = budget_holder._device
    device.refresh_from_db()
    used = budget_holder._used_code  # the code just used to sign in
    response = client.post("/account/sleutels/", {"name": "x", "password": PASSWORD, "otp": used})
    assert response.status_code == 403 and not ApiToken.objects.filter(user=budget_holder).exists()
    response = client.post("/account/sleutels/", {"name": "x", "password": "wrong", "otp": used})
    assert response.status_code == 403
    api = client.post(
        "/api/v1/me/tokens", {"name": "x", "password": "wrong"}, content_type="application/json"
    )
    assert api.status_code == 403 and api.json()["type"] == "reauthentication-failed"
    assert not ApiToken.objects.filter(user=budget_holder).exists()
    # a code of the next time step (within django-otp's drift tolerance) is fresh
    from django_otp.oath import totp

    device.refresh_from_db()
    device.throttle_reset()
    fresh = f"{totp(device.bin_key, t0=device.t0 - 30, step=30, digits=6):06d}"
    response = client.post("/account/sleutels/", {"name": "x", "password": PASSWORD, "otp": fresh})
    assert response.status_code == 200 and response.context["new_token"].startswith("ck_")


def test_password_reset_revokes_all_tokens_and_sessions(school):
    user = with_role(UserFactory(), RoleName.TEACHER, school=school)
    _, raw = services.create_api_token(user, name="SIS")
    session = Client()
    session.force_login(user)
    assert session.get(f"/school/{school.pk}/support/").status_code == 200
    link = services.password_set_link(user)
    resetter = Client()
    form_url = resetter.get("/" + link.split("/", 3)[3], follow=True).redirect_chain[-1][0]
    response = resetter.post(
        form_url,
        {"new_password1": "Een-lang-Wachtwoord-42", "new_password2": "Een-lang-Wachtwoord-42"},
    )
    assert response.status_code == 302
    assert services.user_for_token(raw) is None
    assert session.get(f"/school/{school.pk}/support/").status_code == 302  # signed out


def test_blocking_revokes_tokens_and_sessions_and_unblocking_restores_none(admin, school):
    user = with_role(UserFactory(), RoleName.TEACHER, school=school)
    _, raw = services.create_api_token(user, name="SIS")
    session = Client()
    session.force_login(user)
    services.set_active(user, False, actor=admin)
    services.set_active(user, True, actor=admin)
    assert services.user_for_token(raw) is None
    assert session.get(f"/school/{school.pk}/support/").status_code == 302
    fresh = Client()
    fresh.force_login(user)  # a new sign-in works again
    assert fresh.get(f"/school/{school.pk}/support/").status_code == 200


def at_wall_time(monkeypatch, moment):
    monkeypatch.setattr(clock, "wall_now", lambda: moment)


def test_finance_sessions_end_after_30_idle_minutes(budget_holder, school, monkeypatch):
    client = verified(budget_holder)
    start = clock.wall_now()
    page = f"/school/{school.pk}/"
    at_wall_time(monkeypatch, start + dt.timedelta(minutes=1))
    assert client.get(page).status_code == 200
    at_wall_time(monkeypatch, start + dt.timedelta(minutes=30))
    assert client.get(page).status_code == 200  # 29 idle minutes
    at_wall_time(monkeypatch, start + dt.timedelta(minutes=61))
    response = client.get(page)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(page).status_code == 302


def test_idle_time_is_wall_time_not_the_test_clock(budget_holder, school):
    """X-Clock moves business time by days in browser tests; a session is not idle for it."""
    client = verified(budget_holder)
    page = f"/school/{school.pk}/"
    assert client.get(page).status_code == 200
    with clock.frozen(clock.now() + dt.timedelta(days=10)):
        assert client.get(page).status_code == 200


def test_other_roles_keep_their_session_when_idle(school, monkeypatch):
    teacher = with_role(UserFactory(), RoleName.TEACHER, school=school)
    client = Client()
    client.force_login(teacher)
    page = f"/school/{school.pk}/support/"
    assert client.get(page).status_code == 200
    at_wall_time(monkeypatch, clock.wall_now() + dt.timedelta(hours=2))
    assert client.get(page).status_code == 200


# --- point 22: the account's language ------------------------------------------------------


def test_language_follows_the_account_not_the_browser(school):
    teacher = with_role(UserFactory(), RoleName.TEACHER, school=school)
    client = Client()
    client.force_login(teacher)
    page = f"/school/{school.pk}/support/"
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="nl"' in html
    client.post("/accounts/taal/", {"language": "en", "next": "/"})
    teacher.refresh_from_db()
    assert teacher.language == "en"
    assert 'lang="en"' in client.get(page, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    other = Client()
    other.force_login(teacher)  # the setting travels with the account
    assert 'lang="en"' in other.get(page).content.decode()


def test_anonymous_visitors_get_dutch_unless_they_switch(school):
    client = Client()
    assert 'lang="nl"' in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post("/accounts/taal/", {"language": "en", "next": "/accounts/login/"})
    assert 'lang="en"' in client.get("/accounts/login/").content.decode()


def test_the_language_setting_through_the_api(api_as, school):
    teacher = with_role(UserFactory(), RoleName.TEACHER, school=school)
    api = api_as(teacher)
    assert api.get("/me").json()["language"] == "nl"
    assert api.patch("/me", {"language": "de"}).status_code == 422
    assert api.patch("/me", {"language": "en"}).json()["language"] == "en"
    teacher.refresh_from_db()
    assert teacher.language == "en"


def test_the_reset_mail_is_sent_after_the_answer_not_during_it(
    school, django_capture_on_commit_callbacks
):
    """No timing oracle: the request only queues the mail (core.dispatch); an account
    blocked before the mail goes out gets none."""
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.request_password_reset(user.email, ip="192.0.2.7")
    assert mail.outbox == [] and len(queued) == 1
    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.request_password_reset(user.email, ip="192.0.2.8")
    user.is_active = False
    user.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    assert mail.outbox == []


def test_a_request_in_english_leaves_the_thread_in_dutch(api_as, school):
    """The language is per request: after an English account's call the thread (a worker
    going on with a job, or the next test) is back on the default language, so a rule's
    message raised outside a request stays Dutch."""
    from django.utils import translation

    teacher = with_role(UserFactory(language="en"), RoleName.TEACHER, school=school)
    response = api_as(teacher).get("/me")
    assert response.headers["Content-Language"] == "en"
    assert translation.get_language() == "nl"
