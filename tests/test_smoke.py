from portal.models import Ethnicity, OrgLevel


def test_catalogues_loaded(db):
    assert Ethnicity.objects.count() == 54
    assert Ethnicity.objects.filter(is_minority=False).get().name == "Kinh"
    assert OrgLevel.objects.in_force().filter(code="dang-bo-huyen").count() == 0
