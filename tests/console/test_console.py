"""The web console (/_mock/ui) in a real browser: headless Chromium (Debian's) driven by
Playwright, against a running mock with a control token. Run by scripts/console-test.sh.

    python tests/console/test_console.py BASE_URL CONTROL_TOKEN SCREENSHOT_DIR

It fires error cases and checks the status and reason the page shows, starts a go-live and
sees its steps advance after a move of the clock (no reload), fails an operation at a step,
adds and removes a fault rule, switches worlds, and saves a screenshot of every view. It fails
on any script error or console error, but for the HTTP errors the page provokes on purpose:
an error case's own request, and the one 401 that tells the page it needs the control token.
"""
import sys
import urllib.parse

from playwright.sync_api import expect, sync_playwright

BASE, TOKEN, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
O = "/api/publishers/contoso/offers"
# (button index in the page's catalogue, path it requests, status shown, reason shown)
CASES = [
    (0, f"{O}/ready-to-go-live", "400", "api-version.missing"),
    (5, f"{O}", "401", "auth.missing-bearer"),
    (6, f"{O}/no-such-offer", "404", "offer.not-found"),
    (7, f"{O}/draft-offer/slot/preview", "404", "slot.empty"),
    (10, f"{O}/publish-running/golive", "409", "lifecycle.operation-running"),
    (13, f"{O}/invalid-offer/publish", "422", "offer.invalid"),
    (14, f"{O}/ready-to-go-live/golive", "429", "fault.rule="),
    (17, f"{O}/draft-offer/publish", "no answer (connection closed)", "–"),
]

problems = []
expected_failures = set()  # request paths whose HTTP errors the test asked for
token_given = False


def on_console(message):
    if message.type != "error":
        return
    url = message.location.get("url", "")
    path = urllib.parse.urlsplit(url).path
    if message.text.startswith("Failed to load resource"):
        if path in expected_failures:
            return
        if path == "/_mock/worlds" and "401" in message.text and not token_given:
            return  # how the page learns that it needs the control token
    problems.append(f"console error: {message.text} ({url})")


def shot(page, name):
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def step_status(page, step):
    return page.locator(f"#operation-steps li[data-step='{step}'] .step-status")


with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("dialog", lambda dialog: dialog.accept("demo"))

    # The control token: asked for once, kept in the tab's session, sent as a header.
    page.goto(f"{BASE}/_mock/ui")
    expect(page.locator("#token-dialog")).to_be_visible()
    page.fill("#token-input", TOKEN)
    token_given = True
    page.click("#token-save")
    expect(page.locator("#offers-table tbody tr").first).to_be_visible()
    expect(page.locator("#stream-state")).to_have_text("● live")
    expect(page.locator("#offers-table tbody tr[data-offer='ready-to-go-live'] .offer-status")).to_have_text(
        "waitingForPublisherReview")
    shot(page, "offers")

    # Error cases: the real request, the status and the reason shown.
    page.click("[data-tab=cases]")
    for index, path, status, reason in CASES:
        expected_failures.add(path)
        page.click(f"[data-case='{index}']")
        expect(page.locator("#case-status")).to_have_text(status)
        expect(page.locator("#case-reason")).to_contain_text(reason)
        if index in (14, 17):  # the cases that install a fault rule
            expect(page.locator("#case-installed")).to_be_visible()
            page.click("#case-remove-fault")
            expect(page.locator("#case-installed")).to_be_hidden()
    expect(page.locator("#case-reason-text")).to_have_text("")
    page.click("[data-case='6']")
    expect(page.locator("#case-reason-text")).to_contain_text("no such offer")
    expect(page.locator("#call-request")).to_contain_text("GET /api/publishers/contoso/offers/no-such-offer")
    shot(page, "error-cases")

    # A go-live, live: its steps advance when the clock moves, without a reload.
    page.click("[data-tab=offers]")
    page.click("#offers-table tbody tr[data-offer='slow-golive'] [data-action=golive]")
    expect(page.locator("#operation-detail")).to_be_visible()
    expect(step_status(page, "publisher-signoff")).to_have_text("inProgress")
    page.click("[data-advance='60']")
    expect(step_status(page, "publisher-signoff")).to_have_text("complete")
    expect(step_status(page, "live")).to_have_text("inProgress")
    page.click("[data-advance='3600']")
    expect(step_status(page, "live")).to_have_text("complete")
    expect(page.locator("#operation-status")).to_have_text("complete")
    shot(page, "operations")

    # Fail an operation at a step: the publish that runs for days on publish-running.
    row = page.locator("#operations-table tbody tr", has_text="publish-running").first
    row.click()
    expect(step_status(page, "displaycertify")).to_have_text("inProgress")
    page.select_option("#fail-step", "displaycertify")
    page.fill("#fail-message", "The image could not be certified.")
    page.click("#op-fail")
    expect(page.locator("#operation-status")).to_have_text("failed")
    expect(step_status(page, "displaycertify")).to_have_text("rejected")

    # Requests: the journal as it grew, filtered by status; a row explains its reason.
    page.click("[data-tab=requests]")
    expect(page.locator("#requests-table tbody tr").first).to_be_visible()
    page.fill("#filter-status", "404")
    rows = page.locator("#requests-table tbody tr")
    expect(rows.first).to_contain_text("404")
    for text in rows.all_text_contents():
        assert "404" in text, f"a filtered row is not a 404: {text}"
    rows.first.click()
    expect(page.locator("#request-reason-text")).to_contain_text("not-found")
    expect(page.locator("#request-json")).to_contain_text("Bearer [redacted]")
    shot(page, "requests")
    page.fill("#filter-status", "")

    # Faults: add a ready-made rule, see it, remove it.
    page.click("[data-tab=faults]")
    before = page.locator("#faults-table tbody tr").count()
    page.select_option("#fault-example", label="500-on-status")
    page.click("#fault-add")
    expect(page.locator("#faults-table tbody tr")).to_have_count(before + 1)
    shot(page, "faults")
    added = page.locator("#faults-table tbody tr").last.get_attribute("data-fault")
    page.click(f"[data-remove='{added}']")
    expect(page.locator("#faults-table tbody tr")).to_have_count(before)

    # Coverage: what the session exercised.
    page.click("[data-tab=coverage]")
    expect(page.locator("#coverage-table tbody tr").first).to_be_visible()
    expect(page.locator("#coverage-table")).to_contain_text("POST /api/publishers/{publisherId}/offers/{offerId}/golive")
    shot(page, "coverage")

    # Worlds: a new one starts from the fixtures; the default world keeps what happened in it.
    page.click("[data-tab=offers]")
    expect(page.locator("#offers-table tbody tr[data-offer='slow-golive'] .offer-status")).to_have_text("succeeded")
    page.click("#new-world")
    expect(page.locator("#world")).to_have_value("demo")
    expect(page.locator("#offers-table tbody tr[data-offer='slow-golive'] .offer-status")).to_have_text(
        "waitingForPublisherReview")
    page.click("[data-tab=requests]")
    expect(page.locator("#requests-table tbody tr").first).to_be_visible()
    for text in page.locator("#requests-table tbody tr").all_text_contents():
        assert "/golive" not in text, f"the new world's journal has another world's request: {text}"
    shot(page, "world-demo")
    page.select_option("#world", label="default")
    page.click("[data-tab=offers]")
    expect(page.locator("#offers-table tbody tr[data-offer='slow-golive'] .offer-status")).to_have_text("succeeded")

    # Keyboard: the tabs move with the arrow keys.
    page.focus("[data-tab=offers]")
    page.keyboard.press("ArrowRight")
    expect(page.locator("[data-tab=cases]")).to_have_attribute("aria-selected", "true")

    browser.close()

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"console: {len(CASES)} error cases, a go-live across two clock moves, a failed operation, "
      f"a fault rule added and removed, two worlds, 7 screenshots in {SHOTS}")
