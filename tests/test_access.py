from portal.access import restrict
from portal.models import Organization, Person


def codes(qs):
    return set(qs.values_list("code", flat=True))


def test_reach_by_role(province):
    u = province["users"]
    assert codes(restrict(Organization.objects.all(), u["tuyengiao"])) == {"TINH", "DBK", "CS1", "CB1", "CB2", "DBX", "CB3"}
    assert codes(restrict(Organization.objects.all(), u["daotao"])) == {"DBK", "CS1", "CB1", "CB2"}
    assert codes(restrict(Organization.objects.all(), u["bithu"])) == {"CB1"}
    assert codes(restrict(Organization.objects.all(), u["dangvien"])) == set()
    assert set(restrict(Person.objects.all(), u["dangvien"])) == {province["member"]}
    assert set(restrict(Person.objects.all(), u["bithu"])) == {
        province["secretary"], province["member"], province["others"]["cb1"]}
