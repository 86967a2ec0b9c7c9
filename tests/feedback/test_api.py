"""The REST API over real HTTP: token auth, idempotency by client id, and every kind of bad input."""

import httpx
import pytest

from feedback.agents import set_agent_disabled
from feedback.ingest import FeedbackFiles
from feedback.reader import open_reader


@pytest.fixture
def app(running_app):
    return running_app


def post(app, path, body=None, *, token="ann", content=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {app.token if token == 'ann' else app.other_token if token == 'bob' else token}"
    return httpx.post(f"{app.url}/api/{path}", json=body if content is None else None, content=content,
                      headers=headers, timeout=30)


def test_a_rating_and_a_correction_are_stored_and_attributed(app):
    rating = post(app, "ratings", {"id": "r-1", "turn_id": "c2-a", "stars": 4, "comment": "good <b>enough</b>"})
    correction = post(app, "corrections", {"id": "k-1", "turn_id": "c2-a", "text": "Refunds take 5 business days."})
    assert rating.status_code == 202 and correction.status_code == 202, (rating.text, correction.text)
    assert rating.json()["agent"] == "ann" and rating.json()["id"] == "r-1"
    app.feedback_log.flush()
    ann = app.services.directory.by_token(app.token)
    with open_reader(app.feedback_log.files.db) as store:
        turn = {t.turn.id: t for t in store.conversation_turns("c2")}["c2-a"]
    agent_ratings = [r for r in turn.ratings if r.rater_kind == "agent"]
    assert [(r.rater_id, r.stars, r.comment) for r in agent_ratings] == [(ann.id, 4, "good <b>enough</b>")]
    assert [(k.agent_id, k.text) for k in turn.corrections] == [(ann.id, "Refunds take 5 business days.")]


def test_replayed_requests_are_stored_once_and_ids_are_per_agent(app):
    body = {"id": "same", "turn_id": "c3-a", "thumbs": False}
    assert [post(app, "ratings", body).status_code for _ in range(3)] == [202] * 3
    assert post(app, "ratings", body, token="bob").status_code == 202  # bob's "same" is another rating
    app.feedback_log.flush()
    with open_reader(app.feedback_log.files.db) as store:
        history = [r for r in store.rating_history("c3-a") if r.id.endswith(":same")]
    assert len(history) == 2 and len({r.rater_id for r in history}) == 2


@pytest.mark.parametrize("token", [None, "slt_not-a-real-token", "garbage"])
def test_requests_without_a_valid_token_are_refused(app, token):
    response = post(app, "ratings", {"id": "x", "turn_id": "c1-a", "stars": 3}, token=token)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer" and "token" in response.json()["detail"]


BAD_INPUT = [
    ({"id": "b1", "turn_id": "no-such-turn", "stars": 3}, 404, "unknown turn"),
    ({"id": "b2", "turn_id": "c1-u", "stars": 3}, 422, "only assistant answers"),
    ({"id": "b3", "turn_id": "c1-a", "stars": 0}, 422, "greater than or equal to 1"),
    ({"id": "b4", "turn_id": "c1-a", "stars": 6}, 422, "less than or equal to 5"),
    ({"id": "b5", "turn_id": "c1-a", "stars": "5"}, 422, "valid integer"),
    ({"id": "b6", "turn_id": "c1-a", "stars": 3.5}, 422, "valid integer"),
    ({"id": "b7", "turn_id": "c1-a"}, 422, "exactly one of 'stars'"),
    ({"id": "b8", "turn_id": "c1-a", "stars": 3, "thumbs": True}, 422, "exactly one of 'stars'"),
    ({"id": "b9", "turn_id": "c1-a", "stars": 3, "comment": "x" * 1_000_000}, 422, "at most 4000 characters"),
    ({"id": "b10", "turn_id": "c1-a", "stars": 3, "comment": "nul\x00byte"}, 422, "NUL character"),
    ({"id": "b11\x00", "turn_id": "c1-a", "stars": 3}, 422, "NUL character"),
    ({"id": "", "turn_id": "c1-a", "stars": 3}, 422, "at least 1 character"),
    ({"id": "has space", "turn_id": "c1-a", "stars": 3}, 422, "pattern"),
    ({"turn_id": "c1-a", "stars": 3}, 422, "Field required"),
    ({"id": "b12", "turn_id": "c1-a", "stars": 3, "rater_id": "someone-else"}, 422, "Extra inputs"),
    ({"id": "b13", "turn_id": "c1-a", "stars": 3, "comment": "x'); DROP TABLE ratings; --"}, 202, "accepted"),
]


@pytest.mark.parametrize("body, status, message", BAD_INPUT)
def test_bad_ratings_get_a_clear_4xx(app, body, status, message):
    response = post(app, "ratings", body)
    assert response.status_code == status, response.text
    assert message in response.text


@pytest.mark.parametrize("content, status, message", [(b'{"id": "j1", "turn_id": ', 422, "JSON decode error"),
                                                      (b"\xff\xfe not json", 400, "error parsing the body"),
                                                      (b"[1, 2]", 422, "valid dictionary")])
def test_invalid_json_is_refused(app, content, status, message):
    response = post(app, "ratings", content=content)
    assert response.status_code == status and message in response.text


@pytest.mark.parametrize("body, status, message", [
    ({"id": "k2", "turn_id": "no-such-turn", "text": "x"}, 404, "unknown turn"),
    ({"id": "k3", "turn_id": "c1-a", "text": ""}, 422, "at least 1 character"),
    ({"id": "k4", "turn_id": "c1-a", "text": "   "}, 422, "correction text is empty"),
    ({"id": "k5", "turn_id": "c1-a", "text": "y" * 1_000_000}, 422, "at most 100000 characters"),
    ({"id": "k6", "turn_id": "c1-a", "text": "a\x00b"}, 422, "NUL character"),
])
def test_bad_corrections_get_a_clear_4xx(app, body, status, message):
    response = post(app, "corrections", body)
    assert response.status_code == status, response.text
    assert message in response.text


@pytest.mark.parametrize("path", ["/openapi.json", "/api/openapi.json"])
def test_the_api_is_in_the_openapi_documents(app, path):
    # the app's own document, and the API's, which stays even when a host app turns its own off
    schema = httpx.get(f"{app.url}{path}").json()
    assert {"/api/ratings", "/api/corrections"} <= set(schema["paths"])
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    assert "RatingIn" in schema["components"]["schemas"]
    assert not any(path.startswith("/agent/") for path in schema["paths"])


def test_a_disabled_agents_token_stops_working(app):
    set_agent_disabled(FeedbackFiles.for_home(app.home), "bob", True, "test")
    try:
        import time
        time.sleep(1.1)  # the app's agent cache (0.2 s in tests) and the reload floor of a miss (1 s)
        assert post(app, "ratings", {"id": "d1", "turn_id": "c1-a", "stars": 2}, token="bob").status_code == 401
    finally:
        set_agent_disabled(FeedbackFiles.for_home(app.home), "bob", False, "test")
