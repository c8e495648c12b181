"""The events export, each event with its report (campaigns.exports does the writing)."""

from campaigns.exports import CHUNK_SIZE, Table, stamp

COLUMNS = [
    ("id", "pk"),
    ("status", "status"),
    ("kind", "kind"),
    ("title", "title"),
    ("starts_at_utc", "starts_at"),
    ("ends_at_utc", "ends_at"),
    ("city", "city"),
    ("country", "country"),
    ("campaign", "campaign__slug"),
    ("organiser_shown_as", "organiser_name"),
    ("report_participants", "report__participants"),
    ("report_letters", "report__letters_written"),
    ("report_postcards", "report__postcards"),
    ("report_signatures", "report__signatures"),
    ("report_other_actions", "report__other_actions"),
    ("report_other_actions_what", "report__other_actions_description"),
    ("report_summary", "report__summary"),
]


def events_table(*, events) -> Table:
    # The organiser's private contact stays out: it is for moderators' eyes,
    # on the event's page in the admin, not for a file.
    rows = events.order_by("starts_at", "pk").values_list(*(lookup for _, lookup in COLUMNS))
    return Table(
        name=f"events-{stamp()}",
        headers=[header for header, _ in COLUMNS],
        rows=rows.iterator(chunk_size=CHUNK_SIZE),
    )
