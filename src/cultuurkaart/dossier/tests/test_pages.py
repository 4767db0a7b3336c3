"""The dossier's pages: the member's timeline and editor (with an image), learning
questions, consent, the teacher's view (logged), the school's log, the back office's opt-in."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, totp_device, with_role
from cultuurkaart.dossier.models import Consent, Enablement, Item, PortfolioView
from cultuurkaart.dossier.services import access
from cultuurkaart.memberships.models import Membership
from cultuurkaart.schools.tests.factories import SchoolFactory

from .factories import ItemFactory, dossier_school, student, teacher
from .test_media import jpeg_with_gps

pytestmark = pytest.mark.django_db


def _client(user):
    from django_otp import DEVICE_ID_SESSION_KEY

    client = Client()
    client.force_login(user)
    if user.requires_two_factor():
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()
    return client


def test_timeline_page_lists_items_with_filters(settings):
    pupil = student(dossier_school())
    portfolio = access.portfolio_for(pupil)
    ItemFactory(portfolio=portfolio, title="Mijn eerste post")
    ItemFactory(portfolio=portfolio, title="Een product", type="product", creeren=2)
    client = _client(pupil)
    page = client.get(reverse("portals:my_dossier"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Mijn eerste post" in html and "Een product" in html
    assert 'role="search"' in html and '<label for="f-type">' in html
    filtered = client.get(reverse("portals:my_dossier") + "?type=product").content.decode()
    assert "Een product" in filtered and "Mijn eerste post" not in filtered


def test_pages_are_404_without_the_dossier():
    pupil = student(SchoolFactory())
    client = _client(pupil)
    for name in ("portals:my_dossier", "portals:my_dossier_new", "portals:my_dossier_consent"):
        assert client.get(reverse(name)).status_code == 404


def test_student_writes_a_reflection_with_an_image():
    pupil = student(dossier_school())
    client = _client(pupil)
    assert client.get(reverse("portals:my_dossier_new") + "?type=reflection").status_code == 200
    response = client.post(
        reverse("portals:my_dossier_new"),
        {
            "type": "reflection",
            "title": "Wat ik zag",
            "occurred_on": "2024-03-01",
            "prompt": "Wat viel je op?",
            "body": "<p>Het licht <strong>viel</strong> mooi<script>x()</script></p>",
            "competencies": ["reflecteren", "creeren"],
            "visibility": "teachers",
            "alt": "Schilderij met veel rood",
            "file": SimpleUploadedFile("foto.jpg", jpeg_with_gps(), content_type="image/jpeg"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item = Item.objects.get()
    assert (item.type, item.prompt, item.reflecteren, item.creeren) == (
        "reflection",
        "Wat viel je op?",
        1,
        1,
    )
    assert "<script>" not in item.body and "<strong>viel</strong>" in item.body
    media = item.media.get()
    assert media.alt == "Schilderij met veel rood"
    detail = client.get(response["Location"]).content.decode()
    assert 'alt="Schilderij met veel rood"' in detail and "/dossier/media/" in detail


def test_a_refused_upload_shows_the_error_and_keeps_the_text():
    pupil = student(dossier_school())
    response = _client(pupil).post(
        reverse("portals:my_dossier_new"),
        {
            "type": "post",
            "title": "Met een vreemd bestand",
            "occurred_on": "2024-03-01",
            "file": SimpleUploadedFile("foto.jpg", b"MZ" + b"\x00" * 300),
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'role="alert"' in html and "Met een vreemd bestand" in html
    assert not Item.objects.exists()


def test_close_a_learning_question_on_the_page():
    pupil = student(dossier_school())
    portfolio = access.portfolio_for(pupil)
    question = ItemFactory(portfolio=portfolio, type="learning_question", lq_status="open")
    reflection = ItemFactory(portfolio=portfolio, type="reflection")
    client = _client(pupil)
    page = client.get(reverse("portals:my_dossier_item", args=[question.pk])).content.decode()
    assert "Leervraag afronden" in page
    client.post(
        reverse("portals:my_dossier_close", args=[question.pk]), {"reflection_id": reflection.pk}
    )
    question.refresh_from_db()
    assert question.lq_status == "closed"


def test_edit_and_delete_on_the_page():
    pupil = student(dossier_school())
    item = ItemFactory(portfolio=access.portfolio_for(pupil), type="visit", is_draft=True)
    client = _client(pupil)
    response = client.post(
        reverse("portals:my_dossier_edit", args=[item.pk]),
        {"title": "Naar het museum", "occurred_on": "2024-03-02", "place": "1",
         "visibility": "teachers", "visit_activity": "Rondleiding"},
    )  # fmt: skip
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.is_draft, item.visit["activity"]) == (
        "Naar het museum",
        False,
        "Rondleiding",
    )
    assert item.edited_by_owner_at is not None
    other = _client(student(dossier_school()))
    assert other.post(reverse("portals:my_dossier_delete", args=[item.pk])).status_code == 404
    client.post(reverse("portals:my_dossier_delete", args=[item.pk]))
    assert not Item.objects.exists()


def test_consent_page_parent_gives_and_revokes():
    pupil = student(dossier_school())  # no birth date: a parent
    client = _client(pupil)
    page = client.get(reverse("portals:my_dossier_consent")).content.decode()
    assert "ouder of verzorger" in page and 'value="student"' not in page
    client.post(
        reverse("portals:my_dossier_consent"), {"given_by": "parent", "parent_name": "A. Bakker"}
    )
    assert Consent.objects.get().parent_name == "A. Bakker"
    client.post(reverse("portals:my_dossier_consent"), {"action": "revoke"})
    assert Consent.objects.get().revoked_at is not None


def test_teacher_page_shows_teacher_items_and_logs_the_view():
    school = dossier_school()
    pupil = student(school)
    portfolio = access.portfolio_for(pupil)
    ItemFactory(portfolio=portfolio, title="Voor docenten")
    ItemFactory(portfolio=portfolio, title="Privé", visibility="private")
    teacher_user = teacher(school)
    person_id = Membership.objects.get(user=pupil).person_id
    client = _client(teacher_user)
    listing = client.get(reverse("portals:school_dossier_students", args=[school.pk]))
    assert listing.status_code == 200
    page = client.get(
        reverse("portals:school_dossier_students_detail", args=[school.pk, person_id])
    )
    html = page.content.decode()
    assert "Voor docenten" in html and "Privé" not in html
    assert PortfolioView.objects.get().channel == "page"
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    log = _client(bh).get(reverse("portals:school_dossier_views", args=[school.pk]))
    assert log.status_code == 200 and "Webpagina" in log.content.decode()


def test_the_menu_shows_the_dossier_only_where_enabled():
    school = dossier_school()
    teacher_user = teacher(school)
    dashboard = reverse("portals:school_dashboard", args=[school.pk])
    assert "Dossier" in _client(teacher_user).get(dashboard).content.decode()
    Enablement.objects.all().delete()
    assert ">Dossier<" not in _client(teacher_user).get(dashboard).content.decode()
    url = reverse("portals:school_dossier_students", args=[school.pk])
    assert _client(teacher_user).get(url).status_code == 404


def test_backoffice_enables_a_class():
    school = SchoolFactory()
    admin = with_role(UserFactory(), RoleName.ADMIN)
    client = _client(admin)
    url = reverse("portals:backoffice_dossier_school", args=[school.pk])
    assert client.get(reverse("portals:backoffice_dossier")).status_code == 200
    client.post(url, {"enabled": "1", "group": "2A", "max_open_questions": "4"})
    row = Enablement.objects.get(school=school)
    assert (row.group, row.max_open_questions) == ("2A", 4)
    client.post(url, {"enabled": "0", "group": "2A"})
    assert not Enablement.objects.exists()


def test_start_page_offers_the_dossier():
    pupil = student(dossier_school())
    html = _client(pupil).get(reverse("portals:home"))
    # a student with a pass and a dossier chooses between them
    assert reverse("portals:my_dossier") in html.content.decode()
    assert io  # keep the import for jpeg helpers


def test_class_page_shows_classmates_class_work_and_school_work_with_consent():
    from cultuurkaart.dossier.services import consent

    school = dossier_school()
    me, mate, other_class = (
        student(school, group="3B"),
        student(school, group="3B"),
        student(school, group="1A"),
    )
    ItemFactory(portfolio=access.portfolio_for(mate), title="Klaswerk", visibility="class")
    ItemFactory(portfolio=access.portfolio_for(mate), title="Alleen docenten")
    ItemFactory(
        portfolio=access.portfolio_for(mate), title="Concept", visibility="class", is_draft=True
    )
    ItemFactory(
        portfolio=access.portfolio_for(other_class), title="Andere klas", visibility="class"
    )
    shown = access.portfolio_for(other_class)
    consent.give_consent(shown, given_by="parent", parent_name="Ouder", actor=other_class)
    ItemFactory(portfolio=shown, title="Expositie", visibility="school")
    html = _client(me).get(reverse("portals:my_dossier_class")).content.decode()
    assert "Klaswerk" in html and "Expositie" in html
    assert "Alleen docenten" not in html and "Concept" not in html and "Andere klas" not in html
    consent.revoke_consent(shown, actor=other_class)
    html = _client(me).get(reverse("portals:my_dossier_class")).content.decode()
    assert "Expositie" not in html
    assert _client(teacher(school)).get(reverse("portals:my_dossier_class")).status_code == 404


def test_cards_rendered_in_python_escape_text_and_keep_the_sanitised_body():
    """Decision DG-7: the cards are built in portals/templatetags/dossier_cards.py; a title, a
    prompt and a visit's place are escaped, the stored (nh3-sanitised) body is HTML, the title
    links to the item, and the competency levels and the visibility show."""
    pupil = student(dossier_school())
    portfolio = access.portfolio_for(pupil)
    item = ItemFactory(
        portfolio=portfolio,
        title='<script>alert("t")</script> Toneel',
        body="<p><strong>Mooi</strong> gedaan</p>",
        prompt="Wat <b>voelde</b> je?",
        type="visit",
        visit={"activity": "Hamlet", "place": "Theater <Zuid>", "provider": ""},
        creeren=2,
    )
    html = _client(pupil).get(reverse("portals:my_dossier")).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(&quot;t&quot;)" in html
    assert "<p><strong>Mooi</strong> gedaan</p>" in html
    assert "Wat &lt;b&gt;voelde&lt;/b&gt; je?" in html and "Hamlet · Theater &lt;Zuid&gt;" in html
    assert f'href="{reverse("portals:my_dossier_item", args=[item.pk])}"' in html
    assert 'class="badge comp-creeren"' in html and "(2)" in html
    assert 'datetime="2024-03-01"' in html and "1 maart 2024" in html
