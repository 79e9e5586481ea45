import pytest

from tests.demo_seed import FAST_HASHING, load_catalogues


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.LANGUAGE_CODE = "vi"
    # The production hasher costs a second per demo user; tests need no brute-force resistance.
    settings.PASSWORD_HASHERS = FAST_HASHING
    # Tests change data and look at the counts at once; tests/test_figures_cache.py checks the cache.
    settings.LIST_COUNT_CACHE_SECONDS = 0


@pytest.fixture
def catalogues(db):
    """The catalogue rows the migrations load (again, after a transactional test flushed them)."""
    load_catalogues()


@pytest.fixture
def province(catalogues):
    """A small tree with the five demo roles (like seed_demo's, but tiny and fixed):

    TINH (tỉnh) ─ DBK (đảng bộ khối: daotao's grant) ─ CS1 (đảng bộ cơ sở) ─ CB1 (bithu, dangvien), CB2
                └ DBX (another đảng bộ trực thuộc) ─ CB3
    """
    from tests.factories import PersonFactory, UserFactory, give_grant, give_position, make_unit

    tinh = make_unit("Đảng bộ tỉnh", code="TINH", level_code="dang-bo-tinh")
    dbk = make_unit("Đảng bộ Khối các cơ quan tỉnh", parent=tinh, code="DBK", level_code="dang-bo-truc-thuoc")
    cs1 = make_unit("Đảng bộ Sở Giáo dục", parent=dbk, code="CS1", level_code="dang-bo-co-so")
    cb1 = make_unit("Chi bộ Văn phòng", parent=cs1, code="CB1")
    cb2 = make_unit("Chi bộ Phòng Tổ chức", parent=cs1, code="CB2")
    dbx = make_unit("Đảng bộ xã Tân Hòa", parent=tinh, code="DBX", level_code="dang-bo-truc-thuoc")
    cb3 = make_unit("Chi bộ ấp Tân Lập", parent=dbx, code="CB3")

    users = {name: UserFactory(username=name) for name in ["tuyengiao", "daotao", "bithu", "dangvien"]}
    users["admin"] = UserFactory(username="admin", is_staff=True, is_superuser=True)
    give_grant(users["tuyengiao"], tinh, "tuyengiao")
    give_grant(users["daotao"], dbk, "daotao")
    secretary = PersonFactory(full_name="Nguyễn Văn Bí", organization=cb1, user=users["bithu"])
    give_position(secretary, cb1, "bi-thu")
    member = PersonFactory(full_name="Trần Thị Đảng", organization=cb1, user=users["dangvien"])
    others = {
        "cb1": PersonFactory(full_name="Lê Văn Cùng", organization=cb1),
        "cb2": PersonFactory(full_name="Phạm Thị Khác", organization=cb2),
        "cb3": PersonFactory(full_name="Hoàng Văn Xa", organization=cb3),
    }
    return {"units": {"TINH": tinh, "DBK": dbk, "CS1": cs1, "CB1": cb1, "CB2": cb2, "DBX": dbx, "CB3": cb3},
            "users": users, "secretary": secretary, "member": member, "others": others}


@pytest.fixture
def logged_in(province, client):
    """login(role): the test client signed in as one of the province's demo roles."""

    def login(role):
        client.force_login(province["users"][role])
        return client
    return login
