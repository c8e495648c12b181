"""The letters export (campaigns.exports does the writing)."""

from campaigns.exports import CHUNK_SIZE, Table, stamp

EMAIL_PERMISSION = "letters.export_letter_emails"


def letters_table(*, letters, with_emails: bool) -> Table:
    """Letters with their state; writers' e-mail addresses only when asked for.

    The address column is there only for staff holding EMAIL_PERMISSION (no
    role has it; superusers do): a letters file is easily forwarded.
    """
    columns = [
        ("id", "pk"),
        ("written_at_utc", "created_at"),
        ("status", "status"),
        ("kind", "kind"),
        ("prisoner", "prisoner__slug"),
        ("campaign", "campaign__slug"),
        ("signed_as", "sender_name"),
        ("country", "country"),
        ("language", "language"),
        ("posted_at_utc", "posted_at"),
        ("text", "body"),
    ]
    if with_emails:
        columns.append(("writer_email", "sender_email"))
    rows = letters.order_by("pk").values_list(*(lookup for _, lookup in columns))
    return Table(
        name=f"letters-{stamp()}",
        headers=[header for header, _ in columns],
        rows=rows.iterator(chunk_size=CHUNK_SIZE),
    )
