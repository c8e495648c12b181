"""Run an admin export action and read the file back, as a spreadsheet would."""

import csv
import io

from django.urls import reverse
from openpyxl import load_workbook


def export(client, changelist: str, fmt: str, selected=None):
    """POST the admin action "Export selected as CSV/XLSX" ("select all" unless selected)."""
    data = {"action": f"export_{fmt}", "index": "0"}
    if selected is None:
        data["select_across"] = "1"
        data["_selected_action"] = ["0"]
    else:
        data["_selected_action"] = [str(pk) for pk in selected]
    return client.post(reverse(changelist), data)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


def read_xlsx(response) -> list[list]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    # A row's empty cells at its end are not stored: pad to the header's width.
    return [row + [None] * (len(rows[0]) - len(row)) for row in rows]


def read(response, fmt: str) -> list[list]:
    return read_csv(response) if fmt == "csv" else read_xlsx(response)
