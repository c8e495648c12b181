"""An editor imports the sample prisoner list through the admin: upload, preview,
confirm; the same file again changes nothing.

The first 150 rows of the committed sample, to keep the journey inside the
test-time budget; the whole 1,500 rows are timed by `make bench`."""

import pytest
import tablib
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from config import roles
from prisoners.models import Imprisonment, Prisoner
from prisoners.resources import FacilityResource
from prisoners.samples import generate as sample
from tests import factories
from tests.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


ROWS = 150


def test_an_editor_imports_the_sample_prisoner_list(live_server, page, shoot, tmp_path):
    editor = factories.make_user(email="editor@example.org", is_staff=True)
    editor.groups.add(Group.objects.get(name=roles.EDITORS))
    facilities = tablib.Dataset().load(
        (sample.HERE / "facilities-sample.csv").read_text(encoding="utf-8"), "csv"
    )
    assert not FacilityResource().import_data(facilities).has_errors()
    lines = (sample.HERE / "prisoners-sample.csv").read_text(encoding="utf-8").splitlines()
    upload = tmp_path / "prisoners-sample.csv"
    upload.write_text("\n".join(lines[: ROWS + 1]) + "\n", encoding="utf-8")
    page.set_default_timeout(60_000)

    page.goto(live_server.url + "/admin/")
    page.get_by_label("Email").fill("editor@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("link", name="Prisoners", exact=True).last.click()
    page.get_by_role("link", name="Import").click()

    page.get_by_label("File to import").set_input_files(str(upload))
    page.get_by_label("Format").select_option("csv")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Below is a preview of data to be imported")).to_be_visible()
    expect(page.get_by_text("Ihar Melnik (sample)").first).to_be_visible()
    # The preview is one row per line of the file: the top of it is what to look at.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "import-journey-1-preview.png"))
    assert not Prisoner.objects.exists()  # nothing written before the confirm

    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_text("Import finished: 150 new, 0 updated")).to_be_visible()
    shoot("2-imported")
    assert Prisoner.objects.count() == ROWS
    # Everyone but the released is held somewhere now.
    held = sum(1 for line in lines[1 : ROWS + 1] if ",released," not in line)
    assert Imprisonment.objects.count() == held < ROWS

    # The same file again: every row unchanged, nothing written.
    page.get_by_role("link", name="Import").click()
    page.get_by_label("File to import").set_input_files(str(upload))
    page.get_by_label("Format").select_option("csv")
    page.get_by_role("button", name="Submit").click()
    page.get_by_role("button", name="Confirm import").click()
    expect(
        page.get_by_text("Import finished: 0 new, 0 updated, 0 deleted and 150 skipped")
    ).to_be_visible()
    assert Prisoner.objects.count() == ROWS
