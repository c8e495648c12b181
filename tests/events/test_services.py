import pytest
from django.contrib.auth.models import Group
from django.core import mail

from campaigns.models import Action, ActionKind, GlobalTally
from events import services
from events.models import Event, EventReport
from tests.events.conftest import make_event
from tests.factories import committed, make_prisoner

pytestmark = pytest.mark.django_db


def _ledger(event):
    return {
        a.kind: a.quantity
        for a in Action.objects.filter(source_id=event.pk, campaign__isnull=False)
    }


def _report(event, organiser, **figures):
    report = EventReport.objects.filter(event=event).first() or EventReport(event=event)
    for name, value in figures.items():
        setattr(report, name, value)
    with committed():
        services.event_report_save(event=event, editor=organiser, report=report)
    return report


def test_it_records_a_published_reported_event_in_the_ledger(organiser, moderator, campaign):
    second = make_prisoner(name="Zmitser")
    event = make_event(organiser, campaign=campaign, prisoners=[second, campaign.prisoners.get()])
    with committed():
        services.event_publish(event=event, moderator=moderator)
    # Published: one event in its country, before any report.
    assert _ledger(event) == {"event": 1}
    campaign.refresh_from_db()
    assert campaign.actions_total == 1 and campaign.countries_total == 1
    _report(event, organiser, participants=120, letters_written=40, postcards=30, signatures=300)
    assert _ledger(event) == {
        "event": 1,
        "participant": 120,
        "letter": 40,
        "postcard": 30,
        "signature": 300,
    }
    action = Action.objects.get(source_id=event.pk, kind=ActionKind.PARTICIPANT)
    assert action.country == "LT"
    assert action.prisoner.name == "Ales Bialiatski"  # first by name
    campaign.refresh_from_db()
    assert campaign.actions_total == 1 + 120 + 40 + 30 + 300


def test_it_a_report_changed_twice_leaves_the_last_figures(organiser, moderator, campaign):
    event = make_event(organiser, campaign=campaign)
    with committed():
        services.event_publish(event=event, moderator=moderator)
    _report(event, organiser, participants=50, letters_written=10)
    _report(
        event,
        organiser,
        participants=80,
        letters_written=0,
        other_actions=5,
        other_actions_description="lanterns",
    )
    _report(event, organiser, participants=90, letters_written=3)
    assert _ledger(event) == {"event": 1, "participant": 90, "letter": 3, "other": 5}
    campaign.refresh_from_db()
    assert campaign.actions_total == 1 + 90 + 3 + 5


def test_it_withdraws_when_rejected_or_edited_after_publishing(organiser, moderator, campaign):
    event = make_event(organiser, campaign=campaign)
    with committed():
        services.event_publish(event=event, moderator=moderator)
    _report(event, organiser, participants=10)
    assert _ledger(event)
    with committed():
        services.event_reject(event=event, moderator=moderator, reason="Duplicate")
    assert _ledger(event) == {}
    with committed():
        services.event_publish(event=event, moderator=moderator)
    assert _ledger(event) == {"event": 1, "participant": 10}
    event.title = "Rally, corrected"
    with committed():
        services.event_update(event=event, editor=organiser)
    event.refresh_from_db()
    assert event.status == Event.Status.SUBMITTED
    assert _ledger(event) == {}
    campaign.refresh_from_db()
    assert campaign.actions_total == 0


def test_an_event_without_a_campaign_counts_globally_only(organiser, moderator, campaign):
    event = make_event(organiser, campaign=None)
    with committed():
        services.event_publish(event=event, moderator=moderator)
    _report(event, organiser, participants=10)
    assert {
        a.kind: (a.quantity, a.campaign_id, a.country)
        for a in Action.objects.filter(source_id=event.pk)
    } == {"event": (1, None, "LT"), "participant": (10, None, "LT")}
    assert dict(GlobalTally.objects.values_list("kind", "quantity")) == {
        "event": 1,
        "participant": 10,
    }
    campaign.refresh_from_db()
    assert campaign.actions_total == 0


def test_a_hidden_report_takes_its_figures_back_but_not_the_event(organiser, moderator, campaign):
    event = make_event(organiser, campaign=campaign)
    with committed():
        services.event_publish(event=event, moderator=moderator)
    report = _report(event, organiser, participants=10, postcards=30)
    EventReport.objects.filter(pk=report.pk).update(is_published=False)
    with committed():
        services.event_ledger_sync(event=event)
    assert _ledger(event) == {"event": 1}
    assert dict(GlobalTally.objects.values_list("kind", "quantity")) == {"event": 1}


def test_it_e_mails_the_organiser_when_the_status_changes(organiser, moderator):
    event = make_event(organiser)
    with committed():
        services.event_reject(event=event, moderator=moderator, reason="No date given")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["organiser@example.org"]
    assert "Rejected" in mail.outbox[0].subject
    assert "No date given" in mail.outbox[0].body
    with committed():
        services.event_publish(event=event, moderator=moderator)
        services.event_publish(event=event, moderator=moderator)  # no change, no mail
    assert len(mail.outbox) == 2
    assert f"/events/{event.pk}/" in mail.outbox[1].body


def test_it_sends_no_mail_before_commit(organiser, moderator):
    event = make_event(organiser)
    services.event_publish(event=event, moderator=moderator)
    assert mail.outbox == []


def test_it_refuses_a_rejection_without_a_reason(organiser, moderator):
    event = make_event(organiser)
    with pytest.raises(services.EventError):
        services.event_reject(event=event, moderator=moderator, reason="  ")


def test_it_refuses_an_edit_by_someone_else(organiser, outsider):
    event = make_event(organiser)
    with pytest.raises(services.EventError):
        services.event_update(event=event, editor=outsider)


def test_it_grants_moderators_event_moderation_only(db):
    perms = set(
        Group.objects.get(name="Moderators").permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    events_perms = {p for p in perms if p[0] == "events"}
    assert events_perms == {
        ("events", "view_event"),
        ("events", "change_event"),
        ("events", "view_eventphoto"),
        ("events", "delete_eventphoto"),  # to take a bad photo down
        ("events", "view_eventreport"),
        ("events", "change_eventreport"),
    }
    assert not {p for p in perms if p[0] in ("prisoners", "campaigns") and "change" in p[1]}


def test_it_keeps_times_ordered_in_the_database(organiser):
    from django.db import IntegrityError

    event = make_event(organiser)
    event.ends_at = event.starts_at.replace(year=2023)
    with pytest.raises(IntegrityError):
        event.save()
