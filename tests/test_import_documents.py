"""Importing a unit's catalogue of documents as units keep it: number-symbols as written, kinds in
words or read from the symbol, dates in both forms, themes by title; matched by number-symbol
and issue date; save_document's rules (who may publish where, the symbol's form and kind); all
or nothing, the access rule, history naming the importing user, a constant number of queries."""

import datetime
import io

import pytest
import tablib
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from portal.models import RowHistory, User
from portal.spreadsheets.imports import import_file, write_template
from portal.spreadsheets.reading import read_table
from resolutions.imports import DOCUMENTS, DocumentResource
from resolutions.models import Document, DocumentKind, Theme
from resolutions.selectors.documents import DocumentFilter, documents_list
from tests.import_files import first_data_row, unit_workbook

PLAIN = ["STT", "So, ky hieu", "Trich yeu", "Loai van ban", "Co quan ban hanh", "Ngay ban hanh", "Tom tat",
         "Chu de"]
TITLES = ("BAN TUYÊN GIÁO TỈNH ỦY", "DANH MỤC VĂN BẢN CẦN HỌC TẬP, QUÁN TRIỆT")
FIRST = first_data_row(len(TITLES))
THEME = "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"


def run(user, unit, path, *, dry_run=False):
    return import_file(user=user, format_code="documents", target_id=unit.code, path=path, dry_run=dry_run)


def sheet(tmp_path, rows, name="van ban.xlsx"):
    return unit_workbook(tmp_path / name, PLAIN, rows, titles=TITLES)


def row(symbol, title="Về công tác xây dựng Đảng", kind=None, body="Ban Chấp hành Trung ương",
        issued=datetime.date(2024, 3, 15), summary=None, themes=None, n=1):
    return [n, symbol, title, kind, body, issued, summary, themes]


@pytest.fixture
def tuyengiao(province):
    return province["users"]["tuyengiao"]


@pytest.fixture
def tinh(province):
    return province["units"]["TINH"]


@pytest.fixture
def theme(catalogues):
    return Theme.objects.create(kind=Theme.Kind.YEAR, title=THEME, term="XIII (2021–2026)", year=2024)


def test_a_catalogue_as_units_keep_it_stores_every_value(province, tuyengiao, tinh, theme, tmp_path):
    """Title rows merged above, headers without diacritics, a blank line, a footer; a symbol in
    lower case, a kind in words without diacritics, a kind read from the symbol, a text date."""
    path = sheet(tmp_path, [
        row("35-nq/tw", "Về tăng cường bảo vệ nền tảng tư tưởng của Đảng", "nghi quyet", issued=datetime.date(2018, 10, 22),
            summary="Bảo vệ nền tảng tư tưởng", themes=THEME),
        row("195-KH/ĐU", "Kế hoạch học tập Chỉ thị 05", None, "Đảng ủy Khối", "15/3/2024", n=2),
        row("27/CT-TTg", "Về tăng cường công tác phổ biến", "Chỉ thị", "Thủ tướng Chính phủ", "02-01-2023", n=3),
    ])

    plan, counts = run(tuyengiao, tinh, path)

    assert plan.ok, [str(p) for p in plan.problems]
    assert counts == {"created": 3, "changed": 0}
    stored = {d.number_symbol: d for d in Document.objects.select_related("kind").prefetch_related("themes")}
    assert sorted(stored) == ["195-KH/ĐU", "27/CT-TTg", "35-NQ/TW"]
    nq = stored["35-NQ/TW"]
    assert (nq.kind.code, nq.issuing_body, nq.issued_on, nq.title, nq.summary, nq.organization) == (
        "NQ", "Ban Chấp hành Trung ương", datetime.date(2018, 10, 22),
        "Về tăng cường bảo vệ nền tảng tư tưởng của Đảng", "Bảo vệ nền tảng tư tưởng", tinh)
    assert [t.pk for t in nq.themes.all()] == [theme.pk]
    kh = stored["195-KH/ĐU"]
    assert (kh.kind.code, kh.issued_on, kh.issuing_body) == ("KH", datetime.date(2024, 3, 15), "Đảng ủy Khối")
    assert (stored["27/CT-TTg"].kind.code, stored["27/CT-TTg"].issued_on) == ("CT", datetime.date(2023, 1, 2))
    # Found by search as any document saved on its page.
    assert [d.number_symbol for d in documents_list(tuyengiao, DocumentFilter(query="nghị quyết 35"))] == ["35-NQ/TW"]
    assert [c.row for c in plan.created] == [FIRST, FIRST + 2, FIRST + 3]


def test_one_bad_row_writes_nothing_and_is_named(province, tuyengiao, tinh, tmp_path):
    path = sheet(tmp_path, [row("35-NQ/TW", kind="Nghị quyết"),
                            row("05-CT/TW", kind="Nghị quyết", n=2),
                            row("ABC", n=3),
                            row("01-KL/TW", issued="31/02/2024", n=4)])
    plan, counts = run(tuyengiao, tinh, path)
    assert counts is None and not Document.objects.exists()
    assert [(p.row, p.column, p.value) for p in plan.problems] == [
        (FIRST + 2, "Số, ký hiệu", "05-CT/TW"), (FIRST + 3, "Số, ký hiệu", "ABC"), (FIRST + 4, "Ngày ban hành",
                                                                                   "31/02/2024")]
    assert "là của loại CT, nhưng bạn chọn loại “Nghị quyết”" in plan.problems[0].reason
    assert "không đúng dạng" in plan.problems[1].reason
    assert [cells[1] for cells, _reason in plan.rejected_rows] == ["05-CT/TW", "ABC", "01-KL/TW"]


def test_a_new_document_needs_its_issuing_body_and_a_known_kind(province, tuyengiao, tinh, tmp_path):
    path = sheet(tmp_path, [row("35-NQ/TW", body=None), row("3058/UBND-NC", n=2), row("35-NQ/TW", kind="Sắc lệnh", n=3,
                                                                                   issued=datetime.date(2020, 1, 1))])
    plan, _counts = run(tuyengiao, tinh, path)
    assert [(p.row, p.column) for p in plan.problems] == [
        (FIRST, "Cơ quan ban hành"), (FIRST + 2, "Loại văn bản"), (FIRST + 3, "Loại văn bản")]
    assert plan.problems[1].reason == "cần ghi loại văn bản (số, ký hiệu không cho biết loại)"
    assert "không có trong danh mục loại văn bản" in plan.problems[2].reason


def test_reimporting_changes_nothing_and_a_change_shows_old_and_new(province, tuyengiao, tinh, theme, tmp_path):
    path = sheet(tmp_path, [row("35-NQ/TW", themes=THEME), row("05-CT/TW", n=2)])
    run(tuyengiao, tinh, path)
    history = RowHistory.objects.filter(table_name="resolutions_document").count()
    plan, _counts = run(tuyengiao, tinh, path)
    assert (len(plan.created), len(plan.changed), plan.unchanged) == (0, 0, 2)
    assert RowHistory.objects.filter(table_name="resolutions_document").count() == history

    # Empty cells keep what is there; a new title and no theme any more ("" clears nothing: a
    # theme column left empty keeps the themes).
    path = sheet(tmp_path, [row("35-NQ/TW", title="Về bảo vệ nền tảng tư tưởng", body=None),
                            row("05-CT/TW", n=2)], name="b.xlsx")
    plan, counts = run(tuyengiao, tinh, path)
    assert [c.fields for c in plan.changed] == [[("Trích yếu", "Về công tác xây dựng Đảng",
                                                  "Về bảo vệ nền tảng tư tưởng")]]
    document = Document.objects.get(number_symbol="35-NQ/TW")
    assert (document.title, document.issuing_body) == ("Về bảo vệ nền tảng tư tưởng", "Ban Chấp hành Trung ương")
    assert "bao ve nen tang" in document.search_key and list(document.themes.all()) == [theme]


def test_history_names_the_importing_user(province, tuyengiao, tinh, tmp_path):
    run(tuyengiao, tinh, sheet(tmp_path, [row("35-NQ/TW"), row("05-CT/TW", n=2)]))
    history = RowHistory.objects.filter(table_name="resolutions_document")
    assert history.count() == 2 and set(history.values_list("actor_id", flat=True)) == {tuyengiao.pk}


def test_a_unit_outside_the_reach_answers_404(province, tmp_path):
    path = sheet(tmp_path, [row("35-NQ/TW")])
    with pytest.raises(Http404):
        run(province["users"]["bithu"], province["units"]["DBX"], path)
    with pytest.raises(Http404):
        import_file(user=province["users"]["bithu"], format_code="documents", target_id="KHONGCO", path=path,
                    dry_run=True)


def test_seeing_a_unit_is_not_publishing_there(province, tmp_path):
    with pytest.raises(PermissionDenied):
        run(province["users"]["daotao"], province["units"]["DBK"], sheet(tmp_path, [row("35-NQ/TW")]), dry_run=True)
    # A cell's secretary publishes to his own cell.
    plan, counts = run(province["users"]["bithu"], province["units"]["CB1"], sheet(tmp_path, [row("35-NQ/TW")],
                                                                                   name="b.xlsx"))
    assert counts == {"created": 1, "changed": 0}


def test_a_document_of_another_units_catalogue_is_rejected(province, tuyengiao, tinh, tmp_path):
    run(tuyengiao, tinh, sheet(tmp_path, [row("35-NQ/TW")]))
    plan, counts = run(tuyengiao, province["units"]["DBK"], sheet(tmp_path, [row("35-NQ/TW", title="Khác"),
                                                                             row("05-CT/TW", n=2)], name="b.xlsx"))
    assert counts is None and Document.objects.count() == 1
    assert [(p.row, p.column) for p in plan.problems] == [(FIRST, "Số, ký hiệu")]
    assert "danh mục của đơn vị khác" in plan.problems[0].reason
    assert Document.objects.get().title == "Về công tác xây dựng Đảng"


def test_the_same_document_twice_in_a_file_is_rejected(province, tuyengiao, tinh, tmp_path):
    plan, _counts = run(tuyengiao, tinh, sheet(tmp_path, [row("35-NQ/TW"), row("35-nq/tw", n=2),
                                                          row("35-NQ/TW", issued=datetime.date(2004, 1, 1), n=3)]))
    assert [p.row for p in plan.problems] == [FIRST, FIRST + 2]


def test_the_import_costs_the_same_queries_whatever_the_size(province, tinh, theme, tmp_path):
    counts = []
    for size, first in ((10, 1), (200, 100)):
        rows = [row(f"{first + i}-NQ/TW", f"Nghị quyết số {first + i}", n=i, themes=THEME if i % 2 else None)
                for i in range(size)]
        path = sheet(tmp_path, rows, name=f"{size}.xlsx")
        with CaptureQueriesContext(connection) as queries:
            plan, written = run(User.objects.get(username="tuyengiao"), tinh, path)
        assert plan.ok and written["created"] == size
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_the_template_reads_back(province, tmp_path):
    path = tmp_path / "mau.xlsx"
    write_template("documents", path)
    table = read_table(path, path.name, DOCUMENTS.columns)
    assert table.header == ["Số, ký hiệu", "Trích yếu", "Loại văn bản", "Cơ quan ban hành", "Ngày ban hành",
                            "Tóm tắt nội dung", "Chuyên đề"]
    assert [r.values["number_symbol"] for r in table.rows] == ["35-NQ/TW", "195-KH/ĐU"]
    out = io.StringIO()
    call_command("import_template", "documents", "--out", str(tmp_path / "b.xlsx"), stdout=out)
    assert (tmp_path / "b.xlsx").exists()


def test_the_resource_describes_the_same_columns(province, tuyengiao, tinh, theme, tmp_path):
    run(tuyengiao, tinh, sheet(tmp_path, [row("35-NQ/TW", themes=THEME)]))
    exported = DocumentResource(target=tinh, user=tuyengiao).export()
    assert exported.headers == ["Số, ký hiệu", "Trích yếu", "Loại văn bản", "Cơ quan ban hành", "Ngày ban hành",
                                "Tóm tắt nội dung", "Chuyên đề"]
    assert list(exported[0]) == ["35-NQ/TW", "Về công tác xây dựng Đảng", "Nghị quyết", "Ban Chấp hành Trung ương",
                                 "15/03/2024", "", str(theme)]
    dataset = tablib.Dataset(["05-ct/tw", "Về đẩy mạnh học tập", "", "Bộ Chính trị", "15/05/2016", "", ""],
                             ["35-NQ/TW", "Tiêu đề mới", "Nghị quyết", "Ban Chấp hành Trung ương", "15/03/2024", "",
                              THEME], headers=exported.headers)
    result = DocumentResource(target=tinh, user=tuyengiao).import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors(), [
        (e.traceback, r.validation_error) for r in result.rows for e in r.errors]
    assert Document.objects.get(number_symbol="05-CT/TW").kind == DocumentKind.objects.get(code="CT")
    assert Document.objects.get(number_symbol="35-NQ/TW").title == "Tiêu đề mới"
    assert Document.objects.count() == 2


def test_the_resource_reads_the_kinds_and_themes_once(province, tuyengiao, tinh, theme):
    """django-import-export's row-by-row import still reads each catalogue in one query, not
    one (or two) per row."""
    headers = DocumentResource(target=tinh, user=tuyengiao).get_export_headers()
    dataset = tablib.Dataset(*[[f"{n}-NQ/TW", "Về công tác xây dựng Đảng", "Nghị quyết", "Ban Chấp hành Trung ương",
                                "15/03/2024", "", THEME] for n in range(30, 36)], headers=headers)
    with CaptureQueriesContext(connection) as captured:
        result = DocumentResource(target=tinh, user=tuyengiao).import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Document.objects.filter(themes=theme).count() == 6

    sql = [q["sql"] for q in captured.captured_queries]
    # The whole catalogue of kinds read once (each row's kind is still checked by its key), and
    # whether a number-symbol's kind is in force answered from it.
    assert sum('FROM "resolutions_documentkind"' in q and "WHERE" not in q for q in sql) == 1
    assert not [q for q in sql if 'FROM "resolutions_documentkind"' in q and '"code" =' in q]
    # The themes read once, not looked up again for each row (a document's own themes are read through it).
    assert sum('FROM "resolutions_theme"' in q and "JOIN" not in q for q in sql) == 1


def test_the_resource_keeps_the_themes_of_an_empty_cell(province, tuyengiao, tinh, theme, tmp_path):
    """As the documents format does: an empty "Chuyên đề" leaves a document's themes as they are."""
    run(tuyengiao, tinh, sheet(tmp_path, [row("35-NQ/TW", themes=THEME)]))
    headers = DocumentResource(target=tinh, user=tuyengiao).get_export_headers()
    dataset = tablib.Dataset(["35-NQ/TW", "Tiêu đề mới", "Nghị quyết", "Ban Chấp hành Trung ương", "15/03/2024", "",
                              ""], headers=headers)
    result = DocumentResource(target=tinh, user=tuyengiao).import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    document = Document.objects.get(number_symbol="35-NQ/TW")
    assert document.title == "Tiêu đề mới" and list(document.themes.all()) == [theme]
