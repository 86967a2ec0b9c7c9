"""The console in a real headless Chromium (Debian's /usr/bin/chromium through playwright): log in, open a
conversation, rate an answer, write a correction; then both are in the store, attributed to the agent.
Skipped when Chromium or playwright is missing (never `playwright install`)."""

import shutil

import pytest

from feedback.reader import open_reader
from tests.feedback.webapp import NASTY, PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"no Chromium at {CHROMIUM}")


def test_log_in_rate_and_correct_in_the_browser(running_app):
    log = running_app.feedback_log
    log.start_conversation("cust-browser", "v0003", "support-v0003", conversation_id="browser")
    log.log_turn("browser", 0, "user", NASTY, turn_id="browser-u")
    log.log_turn("browser", 1, "assistant", "Refunds take forever.", version="v0003", turn_id="browser-a")
    log.flush()
    dialogs = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(f"{running_app.url}/agent/", wait_until="load")
            assert page.url.endswith("/agent/login")  # no session: sent to the login form
            page.fill("#name", "ann")
            page.fill("#password", PASSWORD)
            page.click("#login")
            page.wait_for_url("**/agent/", wait_until="load")
            page.locator("#sl-queue span", has_text="browser").first.click()  # a row of the review queue
            view = page.locator("#sl-conversation-view")
            view.get_by_text("Refunds take forever.").wait_for(timeout=20_000)
            assert "<script>alert('xss')</script>" in view.inner_text()  # shown as text
            correction = page.locator("#sl-correction textarea")
            correction.fill("Refunds reach your card within 5 business days.")
            correction.press("Alt+4")  # the console's shortcuts: Alt+1..5 picks stars, Ctrl+Enter saves
            assert page.locator('#sl-stars input[value="4"]').is_checked()
            correction.press("Control+Enter")
            page.locator("#sl-status").get_by_text("saved by").wait_for(timeout=20_000)
        finally:
            browser.close()
    assert dialogs == []  # no script from the data ever ran
    log.flush()
    ann = running_app.services.directory.login("ann", PASSWORD)
    with open_reader(log.files.db) as store:
        answer = {t.turn.id: t for t in store.conversation_turns("browser")}["browser-a"]
    assert [(r.rater_id, r.stars) for r in answer.ratings if r.rater_kind == "agent"] == [(ann.id, 4)]
    assert [(k.agent_id, k.text) for k in answer.corrections] == [
        (ann.id, "Refunds reach your card within 5 business days.")]
