"""The agents' console over real HTTP and through gradio_client: refused without a valid session, and
with one, every review action lands in the store attributed to the logged-in agent."""

import time

import httpx
import pytest
from gradio_client import Client

from feedback.agents import set_agent_disabled
from feedback.ingest import FeedbackFiles
from feedback.reader import open_reader
from feedback.web import SESSION_COOKIE
from tests.feedback.webapp import PASSWORD


def console_client(app, cookie):
    return Client(f"{app.url}/agent/", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}, verbose=False)


GUARDED = [("GET", "/agent/config"), ("GET", "/agent/gradio_api/info"), ("POST", "/agent/gradio_api/queue/join"),
           ("GET", "/agent/gradio_api/queue/data?session_hash=x"), ("POST", "/agent/gradio_api/upload"),
           ("POST", "/agent/gradio_api/call/save_review"), ("POST", "/agent/gradio_api/run/save_review")]


@pytest.mark.parametrize("cookie", [None, "forged.123.abc.def", "expired"])
def test_without_a_valid_session_every_console_route_is_refused(running_app, cookie):
    if cookie == "expired":
        ann = running_app.services.directory.login("ann", PASSWORD)
        cookie = running_app.services.signer.issue(ann.id, now=time.time() - running_app.services.signer.ttl_s - 1)
    cookies = {SESSION_COOKIE: cookie} if cookie else {}
    with httpx.Client(base_url=running_app.url, cookies=cookies, timeout=30) as http:
        page = http.get("/agent/", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/agent/login"
        for method, path in GUARDED:
            response = http.request(method, path, json={"data": [], "fn_index": 0, "session_hash": "x"})
            assert response.status_code == 401, (method, path, response.status_code)
    with pytest.raises(Exception, match="credentials"):
        Client(f"{running_app.url}/agent/", verbose=False,
               headers={"Cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else None)


@pytest.mark.parametrize("name, password", [("ann", "wrong password"), ("nobody", PASSWORD), ("", "")])
def test_a_wrong_login_is_refused_without_a_cookie(running_app, name, password):
    response = httpx.post(f"{running_app.url}/agent/login", data={"name": name, "password": password})
    assert response.status_code == 401 and SESSION_COOKIE not in response.cookies
    assert "Wrong name or password" in response.text


def test_a_disabled_agent_can_neither_log_in_nor_keep_its_session(running_app):
    cookie = running_app.login_cookie("bob")
    assert httpx.get(f"{running_app.url}/agent/config", cookies={SESSION_COOKIE: cookie}).status_code == 200
    set_agent_disabled(FeedbackFiles.for_home(running_app.home), "bob", True, "test")
    try:
        time.sleep(0.5)  # the app re-reads agents every agent_cache_s (0.2 s in these tests)
        assert httpx.get(f"{running_app.url}/agent/config", cookies={SESSION_COOKIE: cookie}).status_code == 401
        refused = httpx.post(f"{running_app.url}/agent/login", data={"name": "bob", "password": PASSWORD})
        assert refused.status_code == 401
    finally:
        set_agent_disabled(FeedbackFiles.for_home(running_app.home), "bob", False, "test")


def test_login_sets_an_httponly_strict_expiring_cookie_and_logout_clears_it(running_app):
    response = httpx.post(f"{running_app.url}/agent/login", data={"name": "ann", "password": PASSWORD})
    header = response.headers["set-cookie"].lower()
    assert response.status_code == 303 and response.headers["location"] == "/agent/"
    assert "httponly" in header and "samesite=strict" in header and "max-age=28800" in header
    logout = httpx.get(f"{running_app.url}/agent/logout", cookies=response.cookies)
    assert logout.status_code == 303 and 'max-age=0' in logout.headers["set-cookie"].lower()


def test_the_queue_puts_thumbs_down_first_and_filters(running_app):
    client = console_client(running_app, running_app.login_cookie())
    table, *_ , status = client.predict("", "", "", "", "any", api_name="/queue")
    ids = [row[0] for row in table["data"]]
    assert ids[0] == "c1" and {"c1", "c2", "c3"} <= set(ids)
    assert [r[0] for r in client.predict("v0002", "", "", "", "any", api_name="/queue")[0]["data"]] != []
    assert {r[0] for r in client.predict("v0002", "", "", "", "any", api_name="/queue")[0]["data"]} == {"c2", "c3"}
    assert [r[0] for r in client.predict("", "order_tracking", "", "", "any", api_name="/queue")[0]["data"]] == ["c1"]
    assert [r[0] for r in client.predict("", "", "", "", "thumbs up", api_name="/queue")[0]["data"]] == ["c2"]
    assert client.predict("", "", "2000-01-01", "2000-01-02", "any", api_name="/queue")[0]["data"] == []
    with pytest.raises(Exception, match="must be a date"):
        client.predict("", "", "yesterday", "", "any", api_name="/queue")


def test_the_conversation_is_shown_as_text_never_as_html(running_app):
    client = console_client(running_app, running_app.login_cookie())
    view, answers, correction, intent, excluded, status = client.predict("c1", api_name="/open_conversation")
    assert "<script>" not in view and "<img" not in view
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in view and "&lt;img src=x" in view
    assert answers["value"] == "c1-a" and correction == "It ships today." and intent["value"] == "order_tracking"
    assert excluded is False and "ann" in status


def test_a_review_is_stored_durably_and_attributed_to_the_agent(running_app):
    client = console_client(running_app, running_app.login_cookie())
    status = client.predict("c3", "c3-a", "2", "too <i>vague</i>", "Refunds take 5 business days.",
                            "refund_timing", True, "quotes a real card number", api_name="/save_review")
    assert "saved by **ann**" in status
    running_app.feedback_log.flush()
    ann = running_app.services.directory.login("ann", PASSWORD)
    with open_reader(running_app.feedback_log.files.db) as store:
        turn = {t.turn.id: t for t in store.conversation_turns("c3")}["c3-a"]
    # ann's live rating of the answer is this one (other tests' API ratings of it are older or by bob)
    anns = [r for r in turn.ratings if r.rater_kind == "agent" and r.rater_id == ann.id]
    assert [(r.stars, r.comment) for r in anns] == [(2, "too <i>vague</i>")]
    assert [(k.agent_id, k.text) for k in turn.corrections] == [(ann.id, "Refunds take 5 business days.")]
    assert "refund_timing" in turn.intents and turn.excluded


def test_a_review_without_anything_to_save_is_refused(running_app):
    client = console_client(running_app, running_app.login_cookie())
    with pytest.raises(Exception, match="nothing to save"):
        client.predict("c2", "c2-a", None, "", "", "", False, "", api_name="/save_review")
    with pytest.raises(Exception, match="say why"):
        client.predict("c2", "c2-a", None, "", "", "", True, "", api_name="/save_review")


def test_the_dashboard_has_satisfaction_volume_and_negative_intents(running_app):
    client = console_client(running_app, running_app.login_cookie())
    satisfaction, volume, negative = client.predict(api_name="/dashboard")
    assert {row[1] for row in satisfaction["data"]} >= {"v0001", "v0002"}
    assert {row[1] for row in volume["data"]} == {"conversations", "turns", "ratings"}
    assert satisfaction["mark"] == "line" and negative["mark"] == "bar"
    assert ["order_tracking", 1] in [row[:2] for row in negative["data"]]  # c1 has a thumbs-down


def test_repeated_wrong_passwords_for_one_agent_are_throttled(running_app):
    from feedback.agents import add_agent

    add_agent(FeedbackFiles.for_home(running_app.home), "carl", PASSWORD, "test")  # admin while the app runs
    statuses = [httpx.post(f"{running_app.url}/agent/login", data={"name": "carl", "password": f"guess {n}"}).status_code
                for n in range(6)]
    assert statuses == [401] * 5 + [429]
    refused = httpx.post(f"{running_app.url}/agent/login", data={"name": "carl", "password": PASSWORD})
    assert refused.status_code == 429 and "Too many failed logins" in refused.text
    assert int(refused.headers["retry-after"]) > 0
    assert running_app.login_cookie("ann")  # other agents are not affected
