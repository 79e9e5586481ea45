"""A campaign's follow-up exported to XLSX and PDF by a real worker process: the files'
figures equal the follow-up page's, unit by unit; the PDF is A4, in the Party layout, with
the names exactly as written; asking twice while queued gives one job."""

import io
import re

import openpyxl
import pytest
from pypdf import PdfReader

from portal.jobs.models import Job
from tests.jobs_support import job_state, wait_for, worker_process
from tests.test_campaigns import tree  # noqa: F401 - the campaign world of the follow-up tests

pytestmark = pytest.mark.django_db(transaction=True)
A4 = (595.28, 841.89)


@pytest.fixture(autouse=True)
def files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def page_figures(client, campaign) -> dict[str, tuple[int, int, int]]:
    """Unit name → (attended, expected, percent) as the follow-up page prints them."""
    html = client.get(f"/study/campaigns/{campaign.pk}/").content.decode()
    found = re.findall(r'<span class="fw-semibold">([^<]+)</span>.*?<span class="small num">([\d.]+)/([\d.]+) '
                       r'\((\d+)%\)</span>', html, flags=re.S)
    return {name: (int(a.replace(".", "")), int(e.replace(".", "")), int(p)) for name, a, e, p in found}


def download(client, job_id) -> tuple[dict, bytes]:
    data = client.get(f"/api/v1/jobs/{job_id}/").json()
    (file,) = data["files"]
    return file, b"".join(client.get(file["download"]).streaming_content)


def test_export_figures_equal_the_follow_up_page(tree, client, tmp_path):  # noqa: F811
    campaign = tree["campaign"]
    client.force_login(tree["users"]["tuyengiao"])
    on_page = page_figures(client, campaign)
    assert len(on_page) == 11 and on_page["Chi bộ ấp Tân Lập"][1] == 1

    url = f"/api/v1/study-campaigns/{campaign.pk}/export/"
    xlsx = client.post(url, {"format": "xlsx"}, content_type="application/json")
    assert xlsx.status_code == 202 and xlsx.json()["status"] == "queued"
    assert xlsx.json()["title"] == "01-KL/TW · Đảng bộ tỉnh · XLSX"
    assert client.post(url, {"format": "xlsx"}, content_type="application/json").json()["id"] == xlsx.json()["id"]
    pdf = client.post(url, {"format": "pdf"}, content_type="application/json")
    assert pdf.status_code == 202 and Job.objects.count() == 2
    bad = client.post(url, {"format": "docx"}, content_type="application/json")
    assert bad.status_code == 400 and Job.objects.count() == 2

    with worker_process(tmp_path):
        for job_id in (xlsx.json()["id"], pdf.json()["id"]):
            wait_for(lambda job_id=job_id: job_state(job_id).status == Job.Status.SUCCEEDED, timeout=180,
                     what="the export to finish")

    file, content = download(client, xlsx.json()["id"])
    assert file["name"].startswith("Tiến độ học tập 01-KL-TW - Đảng bộ tỉnh - ") and file["name"].endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=False))
    header = next(i for i, row in enumerate(rows) if row[0].value == "Đơn vị")
    assert sheet.freeze_panes == f"A{header + 2}"
    in_file = {}
    for row in rows[header + 1:]:
        name, expected, attended, share = (cell.value for cell in row[:4])
        in_file[name] = (attended, expected, share)
        assert row[3].number_format == "0.0%" and (share is None or isinstance(share, int | float))
    assert set(in_file) == set(on_page)
    for name, (attended, expected, percent) in on_page.items():
        assert in_file[name][:2] == (attended, expected), name
        assert round(100 * (in_file[name][2] or 0)) == percent, name
    indents = {row[0].value: row[0].alignment.indent for row in rows[header + 1:]}
    assert indents["Đảng bộ tỉnh"] == 0 and indents["Chi bộ Văn phòng"] == 3  # the tree, indented

    file, content = download(client, pdf.json()["id"])
    assert file["name"].endswith(".pdf") and file["content_type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(content))
    assert all((round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) == A4 for p in reader.pages)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text and "BÁO CÁO" in text
    assert "Tiến độ học tập, quán triệt Quán triệt Kết luận 01-KL/TW" in " ".join(text.split())
    assert "ĐẢNG BỘ TỈNH" in text and "Nơi nhận:" in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for name, (attended, expected, percent) in on_page.items():
        # A table row is extracted cell by cell: the name, then its figures.
        row = lines.index(name)
        shown_expected, shown_attended, share = lines[row + 1:row + 4]
        assert (int(shown_expected.replace(".", "")), int(shown_attended.replace(".", ""))) == (expected, attended)
        if expected:
            assert round(float(share.rstrip("%").replace(",", "."))) == percent, name
    late = text[text.index("III. ĐƠN VỊ QUÁ HẠN"):text.index("Nơi nhận:")]
    assert "Chi bộ ấp Tân Lập" in late and "Chi bộ Văn phòng" not in late


@pytest.mark.parametrize(("role", "unit"), [("admin", "TINH"), ("tuyengiao", "TINH"), ("daotao", "DBK"),
                                            ("bithu", "CB1"), ("dangvien", None)])
def test_each_role_exports_the_subtree_it_reaches(role, unit, tree, client):  # noqa: F811
    campaign = tree["campaign"]
    client.force_login(tree["users"][role])
    page = client.post(f"/study/campaigns/{campaign.pk}/export/", {"format": "pdf"})
    api = client.post(f"/api/v1/study-campaigns/{campaign.pk}/export/", {"format": "xlsx"},
                      content_type="application/json")
    if unit is None:  # a member follows no unit: nothing to export
        assert page.status_code == 404 and api.status_code == 404
        assert not Job.objects.exists()
        return
    job = Job.objects.get(params__format="pdf")
    assert page.status_code == 302 and page["Location"] == f"/jobs/{job.pk}/"
    assert job.organization.code == unit and job.requested_by == tree["users"][role]
    assert api.status_code == 202 and api.json()["organization"] == unit
    # Naming a unit outside his reach is a 404, like a unit that does not exist.
    outside = client.post(f"/api/v1/study-campaigns/{campaign.pk}/export/", {"format": "pdf", "unit": "NOPE"},
                          content_type="application/json")
    assert outside.status_code == 404
