"""Bad input about people gets a clear Vietnamese message and writes nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from portal import services
from portal.models import Ethnicity, PartyStatus, PartyStatusChange, Person
from portal.text import search_key, vietnamese_sort_key


def new_person_fields(unit, **extra):
    return dict(full_name="Đỗ Thị Mai", gender="nu", organization=unit,
                ethnicity=Ethnicity.objects.get(code="kinh"), party_status=PartyStatus.objects.get(code="chinh-thuc"),
                admitted_on=datetime.date(2015, 1, 1), official_on=datetime.date(2016, 1, 1), **extra)


def test_create_person_records_status_history(province):
    person = services.create_person(**new_person_fields(province["units"]["CB2"], party_card_number="99000001"))
    assert person.given_name == "Mai"
    assert PartyStatusChange.objects.filter(person=person, status__code="chinh-thuc").count() == 1


def test_duplicate_party_card_number(province):
    taken = province["member"].party_card_number
    before = Person.objects.count()
    with pytest.raises(ValidationError) as err:
        services.create_person(**new_person_fields(province["units"]["CB2"], party_card_number=taken))
    assert "Số thẻ đảng viên này đã được cấp cho người khác." in str(err.value)
    assert Person.objects.count() == before


def test_people_without_card_do_not_clash(province):
    for _ in range(2):
        services.create_person(**new_person_fields(province["units"]["CB2"], party_card_number=None))


def test_official_date_before_joining_date(province):
    before = Person.objects.count()
    fields = new_person_fields(province["units"]["CB2"])
    fields["official_on"] = datetime.date(2014, 12, 31)
    with pytest.raises(ValidationError) as err:
        services.create_person(**fields)
    assert "Ngày chính thức phải sau ngày vào Đảng." in str(err.value)
    assert Person.objects.count() == before


def test_update_refused_leaves_the_row_unchanged(province):
    member = province["member"]
    with pytest.raises(ValidationError):
        services.update_person(member, official_on=datetime.date(2000, 1, 1))
    member.refresh_from_db()
    assert member.official_on == datetime.date(2011, 3, 2)


@pytest.mark.parametrize("name,key", [("Nguyễn Văn An", "nguyen van an"), ("Đặng  Thị Đào", "dang thi dao"),
                                      ("Lưu Quỳnh Hương", "luu quynh huong")])
def test_search_key(name, key):
    assert search_key(name) == key


def test_vietnamese_order_by_given_name_then_alphabet():
    names = ["Trần Văn Bình", "Nguyễn Thị Ánh", "Lê Văn An", "Phạm Thị Ân", "Vũ Văn Đạt", "Hoàng Văn Dũng",
             "Bùi Thị Ăn", "Nguyễn Văn An"]
    ordered = sorted(names, key=vietnamese_sort_key)
    # a < ă < â, d < đ; the given name first, then the middle and family names.
    assert ordered == ["Lê Văn An", "Nguyễn Văn An", "Nguyễn Thị Ánh", "Bùi Thị Ăn", "Phạm Thị Ân", "Trần Văn Bình",
                       "Hoàng Văn Dũng", "Vũ Văn Đạt"]


def test_search_is_diacritic_insensitive(province):
    assert list(Person.objects.search("tran thi dang")) == [province["member"]]
    assert list(Person.objects.search("TRẦN thị ĐẢNG")) == [province["member"]]


def test_transfer_moves_the_person_and_keeps_the_record(province):
    member, cb3 = province["member"], province["units"]["CB3"]
    transfer = services.transfer_person(member, to_organization=cb3, transferred_on=datetime.date(2026, 3, 1),
                                        decision_number="12-QĐ/ĐU")
    member.refresh_from_db()
    assert member.organization == cb3
    assert (transfer.from_organization.code, transfer.to_organization.code) == ("CB1", "CB3")


def test_transfer_to_the_same_unit_is_refused(province):
    member = province["member"]
    with pytest.raises(ValidationError) as err:
        services.transfer_person(member, to_organization=member.organization, transferred_on=datetime.date(2026, 3, 1))
    assert "Đơn vị chuyển đến phải khác đơn vị chuyển đi." in str(err.value)


def test_digits_sort_before_letters_and_in_numeric_order():
    names = ["Số 0072", "Số 0050", "Số A"]
    assert sorted(names, key=vietnamese_sort_key) == ["Số 0050", "Số 0072", "Số A"]
