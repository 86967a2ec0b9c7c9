"""A customer in headless Chromium: types a question, gets an answer, clicks thumbs up; the rating is stored."""

import time
from pathlib import Path

import pytest

from feedback.reader import open_reader

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium "
                                                  "(apt-get install -y chromium)")
def test_customer_chats_and_gives_thumbs_up_in_a_browser(make_app, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    app, deps, config = make_app(tmp_path / "home")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(app.url, wait_until="load")
            box = page.get_by_label("Your message")
            box.fill("How long do I have to return an item?")
            box.press("Enter")
            answer = page.locator(".message.bot, [data-testid='bot']").last
            expect(answer).to_be_visible(timeout=30_000)
            page.get_by_label("Optional comment, sent with your next thumbs up or down").fill("clear answer")
            like = page.get_by_role("button", name="Like", exact=True).last
            expect(like).to_be_visible(timeout=10_000)
            like.click()
            expect(page.get_by_text("Thank you for your feedback!")).to_be_visible(timeout=10_000)
        finally:
            browser.close()
    deps.feedback.flush()
    with open_reader(tmp_path / "home" / "feedback.duckdb") as store:
        rated = [t for t in store.turns_between() if t.ratings]
    assert len(rated) == 1
    rating = rated[0].ratings[0]
    assert rated[0].turn.role == "assistant" and rating.thumbs is True and rating.rater_kind == "customer"
    assert rating.comment == "clear answer" and rating.rater_id == rated[0].customer_id
