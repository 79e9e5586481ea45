"""Every state change of a commitment refused from every state it may not start from,
through the pages and through the API, and refused to everyone but the person it
belongs to: the answer says why in Vietnamese, and nothing is written (the row, its
history, the notifications stay as they were).

The state machine (resolutions/services/commitments.py): draft or returned → edited,
submitted; submitted → returned, accepted; accepted → self-assessed (until rated) and
rated, within the year-end evaluation window (opened here from 1 January)."""

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from portal.models import Notification, RowHistory
from resolutions.models import Commitment, RatingLevel

YEAR = timezone.localdate().year
DRAFT, SUBMITTED, RETURNED, ACCEPTED = (Commitment.Status.DRAFT, Commitment.Status.SUBMITTED,
                                        Commitment.Status.RETURNED, Commitment.Status.ACCEPTED)
SECTIONS = {
    "political_ideology": "Kiên định chủ nghĩa Mác - Lênin, tư tưởng Hồ Chí Minh.",
    "ethics_lifestyle": "Giữ gìn lối sống giản dị.",
    "duties": "Hoàn thành đúng hạn các việc được giao.",
    "exemplary_conduct": "Nêu gương ở cơ quan và nơi cư trú.",
    "study": "Học tập đầy đủ các chuyên đề.",
    "concrete_deed": "Mỗi tháng một buổi hướng dẫn đoàn viên mới.",
}

# Who acts, the states each step starts from, and the verb of its refusal.
ACTIONS = {
    "edit": ("owner", [DRAFT, RETURNED], "sửa"),
    "submit": ("owner", [DRAFT, RETURNED], "nộp"),
    "return": ("secretary", [SUBMITTED], "trả lại"),
    "accept": ("secretary", [SUBMITTED], "duyệt"),
    "self_assess": ("owner", [ACCEPTED], "tự đánh giá"),
    "rate": ("secretary", [ACCEPTED], "xếp loại"),
}
WRONG = [(action, state) for action, (_actor, allowed, _verb) in ACTIONS.items()
         for state in Commitment.Status.values if state not in allowed]


def test_every_wrong_state_is_covered():
    assert len(WRONG) == 2 + 2 + 3 + 3 + 3 + 3


def page_request(client, action: str, pk: int):
    """The page's form for `action`, filled in as a user would."""
    level = RatingLevel.objects.get(code="tot").pk
    url = f"/study/commitments/{pk}/"
    return {
        "edit": lambda: client.post(f"{url}edit/", {**SECTIONS, "duties": "Đã đổi", "action": "save"}),
        "submit": lambda: client.post(f"{url}submit/"),
        "return": lambda: client.post(f"{url}review/", {"decision": "return", "comment": "Cụ thể hơn"}),
        "accept": lambda: client.post(f"{url}review/", {"decision": "accept", "comment": "Tốt"}),
        "self_assess": lambda: client.post(f"{url}self-assessment/",
                                           {"self_assessment": "Đã thực hiện đủ.", "self_rating": level}),
        "rate": lambda: client.post(f"{url}rate/", {"rating": level}),
    }[action]()


def api_request(client, action: str, pk: int):
    url = f"/api/v1/commitments/{pk}/"
    json = "application/json"
    return {
        "edit": lambda: client.patch(url, {"duties": "Đã đổi"}, content_type=json),
        "submit": lambda: client.post(f"{url}submit/", {}, content_type=json),
        "return": lambda: client.post(f"{url}return/", {"comment": "Cụ thể hơn"}, content_type=json),
        "accept": lambda: client.post(f"{url}accept/", {"comment": "Tốt"}, content_type=json),
        "self_assess": lambda: client.post(f"{url}self-assessment/",
                                           {"self_assessment": "Đã thực hiện đủ.", "self_rating": "tot"},
                                           content_type=json),
        "rate": lambda: client.post(f"{url}rate/", {"rating": "tot"}, content_type=json),
    }[action]()


@pytest.fixture
def evaluation_open(settings):
    settings.COMMITMENT_EVALUATION_OPENS = (1, 1)


@pytest.fixture
def commitment_in(province, evaluation_open):
    """The member's commitment of this year in a given state, as the steps leave it."""
    def make(state: str, **fields) -> Commitment:
        now = timezone.now()
        reviewed = {"reviewed_by": province["users"]["bithu"], "reviewed_at": now,
                    "review_comment": "Bổ sung việc làm cụ thể."} if state in (RETURNED, ACCEPTED) else {}
        return Commitment.objects.create(person=province["member"], year=YEAR, status=state,
                                         submitted_at=now if state != DRAFT else None,
                                         **SECTIONS, **reviewed, **fields)
    return make


@pytest.fixture
def client_of(province, client):
    def login(actor: str):
        client.force_login(province["users"]["dangvien" if actor == "owner" else "bithu"])
        return client
    return login


def snapshot(commitment):
    return (Commitment.objects.values().get(pk=commitment.pk), RowHistory.objects.count(),
            Notification.objects.count())


def refusal(verb: str, state: str) -> str:
    return f"Không thể {verb}: bản cam kết đang ở trạng thái “{Commitment.Status(state).label}”."


@pytest.mark.parametrize("action, state", WRONG)
def test_refused_from_a_wrong_state_on_the_page(action, state, commitment_in, client_of):
    actor, _allowed, verb = ACTIONS[action]
    commitment = commitment_in(state)
    before = snapshot(commitment)
    client = client_of(actor)
    response = page_request(client, action, commitment.pk)
    if action in ("edit", "submit"):
        # Back to the commitment, with why above it.
        assert response.status_code == 302 and response["Location"] == f"/study/commitments/{commitment.pk}/"
        said = [str(message) for message in get_messages(response.wsgi_request)]
        assert said == ([refusal(verb, state)] if action == "submit"
                        else ["Bản cam kết đã nộp: chỉ sửa được khi bí thư trả lại."])
    else:
        # The commitment again, the refusal above everything, no form to send again.
        assert response.status_code == 200
        assert refusal(verb, state) in response.content.decode()
    assert snapshot(commitment) == before


@pytest.mark.parametrize("action, state", WRONG)
def test_refused_from_a_wrong_state_through_the_api(action, state, commitment_in, client_of):
    actor, _allowed, verb = ACTIONS[action]
    commitment = commitment_in(state)
    before = snapshot(commitment)
    response = api_request(client_of(actor), action, commitment.pk)
    assert response.status_code == 400
    assert refusal(verb, state) in str(response.json())
    assert snapshot(commitment) == before


@pytest.mark.parametrize("action", ["self_assess"])
def test_self_assessment_refused_once_rated(action, commitment_in, client_of):
    commitment = commitment_in(ACCEPTED, rating=RatingLevel.objects.get(code="xuat-sac"),
                               self_assessment="Bản đầu.", self_rating=RatingLevel.objects.get(code="tot"))
    before = snapshot(commitment)
    message = "Chi bộ đã xếp loại bản cam kết này; không sửa tự đánh giá được nữa."
    page = page_request(client_of("owner"), action, commitment.pk)
    assert page.status_code == 200 and message in page.content.decode()
    response = api_request(client_of("owner"), action, commitment.pk)
    assert response.status_code == 400 and message in str(response.json())
    assert snapshot(commitment) == before


@pytest.mark.parametrize("action", list(ACTIONS))
def test_refused_to_the_wrong_person_from_the_right_state(action, commitment_in, client_of):
    """The owner may not review or rate his own; the secretary may not write or submit
    another's: 403 with why, whatever the state allows."""
    actor, allowed, _verb = ACTIONS[action]
    commitment = commitment_in(allowed[0])
    before = snapshot(commitment)
    wrong = "secretary" if actor == "owner" else "owner"
    page = page_request(client_of(wrong), action, commitment.pk)
    assert page.status_code == 403
    response = api_request(client_of(wrong), action, commitment.pk)
    assert response.status_code == 403
    assert response.json()["detail"].startswith(("Chỉ người viết", "Bạn không thể tự duyệt"))
    assert snapshot(commitment) == before


@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_step_goes_through_from_its_first_right_state(action, commitment_in, client_of):
    """The other side of the refusals: from a state it may start from, the same request
    through the API changes the commitment (so the refusals above are the state's doing)."""
    actor, allowed, _verb = ACTIONS[action]
    commitment = commitment_in(allowed[-1])
    response = api_request(client_of(actor), action, commitment.pk)
    assert response.status_code == 200, response.content
    after = Commitment.objects.get(pk=commitment.pk)
    assert {
        "edit": lambda: after.duties == "Đã đổi",
        "submit": lambda: after.status == SUBMITTED,
        "return": lambda: after.status == RETURNED and after.review_comment == "Cụ thể hơn",
        "accept": lambda: after.status == ACCEPTED,
        "self_assess": lambda: after.self_rating.code == "tot",
        "rate": lambda: after.rating.code == "tot",
    }[action]()
