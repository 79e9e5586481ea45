"""A CSV whose cells start with =HYPERLINK( goes in as plain text and comes out neutralised:
stored as written, never a formula in the exported XLSX or CSV, nor in the rejected-rows file."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from portal.models import Person
from portal.spreadsheets.imports import confirm_import, stage_import
from tests.import_files import PEOPLE_HEADER

LINK = '=HYPERLINK("http://example.invalid/x","Bấm vào đây")'


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def people_csv(path, rows):
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(PEOPLE_HEADER)
        writer.writerows(rows)
    return path


def row(name, *, gender="Nam", job=LINK, card=""):
    return [name, "17/05/1985", gender, "Kinh", "02/03/2010", "02/03/2011", card, "Chính thức", "", "", "Sơ cấp", job]


def test_formula_cells_imported_as_text_and_exported_neutralised(client, province, tmp_path):
    bithu = province["users"]["bithu"]
    path = people_csv(tmp_path / "ds.csv", [row("Quách Văn Liên", card="70600001"),
                                           row("Quách Văn Kết", job="+84 912 345 678", card="70600002")])
    with path.open("rb") as upload:
        batch = stage_import(user=bithu, format_code="people", target_id="CB1", upload=upload, filename=path.name)
    assert batch.is_ready, batch.preview
    confirm_import(batch, user=bithu)
    assert Person.objects.get(party_card_number="70600001").job_title == LINK  # kept exactly as written

    client.force_login(bithu)
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(
        client.get(reverse("unit_members_export", args=["CB1", "xlsx"])).streaming_content)))
    cells = [cell for line in workbook.active.iter_rows() for cell in line]
    assert all(cell.data_type != "f" for cell in cells)
    assert "'" + LINK in [cell.value for cell in cells]
    exported = b"".join(client.get(reverse("unit_members_export", args=["CB1", "csv"])).streaming_content)
    lines = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert any("'" + LINK in line for line in lines)
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)


def test_formula_cells_of_a_bad_row_stay_text_in_the_rejected_file(province, tmp_path):
    bithu = province["users"]["bithu"]
    path = people_csv(tmp_path / "loi.csv", [row("Quách Thị Sai", gender="Gà")])
    with path.open("rb") as upload:
        batch = stage_import(user=bithu, format_code="people", target_id="CB1", upload=upload, filename=path.name)
    assert batch.summary["bad_rows"] == 1
    sheet = openpyxl.load_workbook(io.BytesIO(batch.rejected_file.read())).active
    cells = [cell for line in sheet.iter_rows() for cell in line]
    assert all(cell.data_type != "f" for cell in cells)
    assert "'" + LINK in [cell.value for cell in cells]
