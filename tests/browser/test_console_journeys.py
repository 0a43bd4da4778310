"""The staff console in a real browser (Debian's Chromium through Playwright) against a live server with demo data.

Every journey fails on any console error or page error (a CSP violation is one)
and on any request to a host other than the server's own (tests/browser/conftest.py).
Screenshots of every page go to tests/browser/screenshots (or QIANBAO_SCREENSHOT_DIR).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # no playwright package: the live_console fixture skips the journeys (fails them with CI=true)
    expect = None

from auth.roles import STAFF_ROLES, permissions_of
from tests.browser.conftest import Watched, wait_loaded
from tests.browser.seed import EMAIL, PASSWORD

# The navigation in the order the console shows it, and the permission each page needs.
PAGES = [("overview", "Overview", "reports:read"), ("partners", "Partners", "partners:read"),
         ("customers", "Customers", "customers:read"), ("kyc", "KYC review", "kyc:read"),
         ("aml", "AML alerts and cases", "aml:read"), ("fees", "Fee rules", "fees:read"), ("fx", "FX rates", "fees:read"),
         ("reconciliation", "Reconciliation", "reconciliation:read"), ("support", "Support queue", "support:read"),
         ("audit", "Audit log", "audit:read")]
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
TOKEN = "sessionStorage.getItem('qianbao.console.token')"


def _messages(console) -> list[str]:  # noqa: ANN001
    return console.page.locator(".msg").all_inner_texts()


def _graphql(base: str, token: str, query: str, variables: dict | None = None) -> dict:
    """The public API, called as the test (not the page): what it answers that token."""
    answer = httpx.post(base + "/graphql", headers={"Authorization": f"Bearer {token}"},
                        json={"query": query, "variables": variables or {}}, timeout=30)
    return answer.json()


def _revoke(base: str, token: str) -> None:
    """A bank admin revokes a staff member's live token (tokenRevoke), as after a lost laptop: it is refused from then on."""
    login = httpx.post(base + "/auth/login", json={"email": EMAIL.format(role="admin"),
                                                   "password": PASSWORD.format(role="admin")}, timeout=30)
    payload = _graphql(base, login.json()["access_token"],
                       "mutation($i: TokenRevokeInput!) { tokenRevoke(input: $i) { jti userErrors { code } } }",
                       {"i": {"token": token}})["data"]["tokenRevoke"]
    assert payload["userErrors"] == [] and payload["jti"], payload


def _open_customer(console, ref: str, name: str) -> None:  # noqa: ANN001
    """Find a customer by external reference and open their page."""
    console.open("customers")
    console.page.get_by_role("searchbox", name="Search customers").fill(ref)
    console.page.get_by_role("button", name="Find").click()
    console.page.get_by_role("link", name=name).click()
    console.settle()


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_each_role_signs_in_and_sees_only_its_pages(console, role):  # noqa: ANN001
    console.shot("login")
    console.sign_in(role)
    allowed = [(route, title) for route, title, permission in PAGES if permission in permissions_of(role)]
    assert console.page.locator("nav a").all_inner_texts() == [title for _, title in allowed]
    assert role.capitalize() in console.page.locator("#who").inner_text()
    for route, title in allowed:
        console.open(route)
        assert console.page.locator("main h1").inner_text() == title
        errors = console.page.locator("main .msg.error").all_inner_texts()  # a page its role may use loads cleanly
        assert errors == [], (route, errors)
        console.shot(f"{role}-{route}")


def test_a_page_the_role_may_not_use_shows_the_refusal(console):  # noqa: ANN001
    console.sign_in("support")
    for route in ("audit", "kyc", "overview"):
        console.open(route)
        assert any("not available to your role (Support)" in m for m in _messages(console)), route
    console.shot("support-refused-audit")
    assert not console.page.locator("nav a", has_text="Audit log").count()
    # Hiding the page is a courtesy: the API refuses the same token anyway.
    token = console.page.evaluate(TOKEN)
    for query in ("{ auditChainStatus { ok } }", '{ reportKycFunnel(from: "2026-01-01", to: "2026-01-31") { submitted } }'):
        answer = _graphql(console.base, token, query)
        assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN", (query, answer)


def test_compliance_approves_a_kyc_submission(console, live_console):  # noqa: ANN001
    console.sign_in("compliance")
    console.open("kyc")
    rows = console.page.locator("main tbody tr")
    before = rows.count()
    assert before >= 1
    first = rows.first
    first.get_by_label("Reason").fill("documents match the selfie")
    first.get_by_role("button", name="Record decision").click()
    console.page.wait_for_selector(".msg.ok")
    assert "Decided: APPROVED." in _messages(console)
    expect(rows).to_have_count(before - 1)
    console.shot("compliance-kyc-approved")


def test_compliance_rejects_a_kyc_submission_with_a_reason(console):  # noqa: ANN001
    console.sign_in("compliance")
    console.open("kyc")
    rows = console.page.locator("main tbody tr")
    before = rows.count()
    first = rows.first
    first.get_by_label("Decision").select_option("REJECT")
    sent = console.graphql_requests
    first.get_by_role("button", name="Record decision").click()  # no reason: refused in the page, nothing sent
    assert "Give a reason first." in _messages(console) and console.graphql_requests == sent
    first.get_by_label("Reason").fill("the document photo is unreadable")
    first.get_by_role("button", name="Record decision").click()
    console.page.wait_for_selector(".msg.ok")
    assert "Decided: REJECTED." in _messages(console)
    expect(rows).to_have_count(before - 1)


def test_compliance_releases_a_held_transaction(console, live_console):  # noqa: ANN001
    console.sign_in("compliance")
    console.open("aml")
    row = console.page.locator("main tbody tr", has_text="10000.00 EUR · HELD").first
    row.get_by_role("button", name="Release").click()  # no reason yet: refused in the page, nothing sent
    assert "Give a reason first." in _messages(console)
    row.get_by_label("Reason").fill("customer documented the source of funds")
    row.get_by_role("button", name="Release").click()
    console.page.wait_for_selector(".msg.ok")
    assert any("Alert RELEASED." in m and "POSTED" in m for m in _messages(console))
    console.shot("compliance-aml-released")


def test_compliance_rejects_a_held_transaction(console):  # noqa: ANN001
    console.sign_in("compliance")
    console.open("aml")
    held = console.page.locator("main tbody tr", has_text="10000.00 EUR · HELD")
    before = held.count()
    assert before >= 1
    row = held.first
    # Each alert offers what the API takes for it: release or reject what a HOLD alert held, dismiss an alert-only one.
    assert row.get_by_role("button").all_inner_texts() == ["Release", "Reject"]
    alert_only = console.page.locator("main tbody tr", has_text="VELOCITY").first
    assert alert_only.get_by_role("button").all_inner_texts() == ["Dismiss"]
    row.get_by_label("Reason").fill("source of funds not documented")
    row.get_by_role("button", name="Reject").click()
    console.page.wait_for_selector(".msg.ok")
    done = [m for m in _messages(console) if "Transaction:" in m]
    assert done and "POSTED" not in done[0] and "HELD" not in done[0], done  # the money never moved
    expect(held).to_have_count(before - 1)
    console.shot("compliance-aml-rejected")


def test_admin_creates_a_fee_rule_and_sees_the_preview(console):  # noqa: ANN001
    console.sign_in("admin")
    console.open("fees")
    page = console.page
    preview = page.get_by_role("form", name="Quote preview")
    preview.get_by_label("Kind").select_option("WITHDRAWAL")
    preview.get_by_label("Currency").fill("SGD")
    preview.get_by_label("Amount").fill("250.00")
    page.wait_for_selector("output p")
    before = page.locator("output").inner_text()
    create = page.get_by_role("form", name="Create fee rule")
    create.get_by_label("Kind").select_option("WITHDRAWAL")
    create.get_by_label("Currency").fill("SGD")
    create.get_by_label("Fixed fee").fill("3.25")
    create.get_by_role("button", name="Create fee rule").click()
    page.wait_for_selector(".msg.ok")
    expect(page.locator("output")).to_contain_text("Fee: 3.25 SGD")
    after = page.locator("output").inner_text()
    assert "Fee: 3.25 SGD" in after and "Total debit: 253.25 SGD" in after and after != before
    preview.get_by_label("Amount").fill("12,5")  # malformed: a message, not a request
    page.wait_for_selector("output .msg.error")
    console.shot("admin-fees-preview")


def test_find_a_customer_reveal_with_a_reason_and_see_the_audit_entry(console, live_console):  # noqa: ANN001
    console.sign_in("compliance")
    _open_customer(console, live_console["reveal_ref"], "Mei Browser")
    page = console.page
    page.wait_for_selector("form[aria-label='Reveal']")
    assert live_console["id_number"] not in page.locator("main").inner_text()  # masked until revealed
    reveal = page.get_by_role("form", name="Reveal")
    reveal.get_by_label("Field").select_option("ID_NUMBER")
    sent = console.graphql_requests
    reveal.get_by_role("button", name="Reveal").click()
    assert any("needs a reason" in m for m in _messages(console))
    assert console.graphql_requests == sent  # refused in the page: nothing sent
    reveal.get_by_label("Reason").fill("customer called about a blocked payment")
    reveal.get_by_role("button", name="Reveal").click()
    page.wait_for_selector(".msg.ok")
    assert f"Revealed (audited): {live_console['id_number']}" in _messages(console)
    console.shot("compliance-customer-revealed")
    console.open("audit")
    page.get_by_role("textbox", name="Operation").fill("kycReveal")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_selector("main tbody tr >> text=kycReveal")
    assert any("The chain holds" in m for m in _messages(console))
    console.shot("compliance-audit-reveal")


def test_an_expired_session_returns_to_login_and_back_to_the_page(console):  # noqa: ANN001
    console.allowed_errors.append("status of 401")  # the API refusing the dead token, as it must
    console.sign_in("analyst")
    console.open("fees")
    console.page.evaluate("sessionStorage.setItem('qianbao.console.token', 'not-a-token')")
    console.page.reload()
    console.page.wait_for_selector("#login-title")
    assert any("session has ended" in m for m in _messages(console))
    console.sign_in("analyst")
    console.page.wait_for_selector("main h1:text('Fee rules')")
    assert console.page.url.endswith("#/fees")
    assert console.page.evaluate("localStorage.length") == 0  # the token never goes to localStorage


def test_a_session_revoked_mid_page_comes_back_to_the_page_as_it_was(console, live_console):  # noqa: ANN001
    console.allowed_errors.append("status of 401")  # the API refusing the revoked token, as it must
    page = console.page
    console.sign_in("compliance")
    _open_customer(console, live_console["reveal_ref"], "Mei Browser")
    reveal = page.get_by_role("form", name="Reveal")
    reveal.get_by_label("Field").select_option("ADDRESS")
    reveal.get_by_label("Reason").fill("customer asked to confirm the address on file")
    at = page.url
    _revoke(console.base, page.evaluate(TOKEN))  # the session ends while the form is half done
    reveal.get_by_role("button", name="Reveal").click()
    page.wait_for_selector("#login-title")
    assert any("session has ended" in m for m in _messages(console))
    console.sign_in("compliance")
    page.wait_for_selector(".msg.restored")
    assert page.url == at
    reveal = page.get_by_role("form", name="Reveal")
    expect(reveal.get_by_label("Reason")).to_have_value("customer asked to confirm the address on file")  # nothing lost
    expect(reveal.get_by_label("Field")).to_have_value("ADDRESS")
    reveal.get_by_role("button", name="Reveal").click()
    page.wait_for_selector(".msg.ok")
    assert any(m.startswith("Revealed (audited): 9 Lake Road") for m in _messages(console)), _messages(console)
    console.shot("compliance-session-restored")

    # Someone else signing in at that desk gets the page afresh for their role: never what was left on it.
    reveal.get_by_label("Reason").fill("typed before the session ended")
    _revoke(console.base, page.evaluate(TOKEN))
    reveal.get_by_role("button", name="Reveal").click()
    page.wait_for_selector("#login-title")
    console.sign_in("support")
    expect(page.locator("main h1")).to_have_text("Customer: Mei Browser")
    console.settle()
    assert page.url == at
    assert page.locator(".msg.restored").count() == 0
    assert page.get_by_role("form", name="Reveal").count() == 0  # support may not reveal: no form, no typed reason
    assert "typed before the session ended" not in page.locator("main").evaluate(
        "m => [...m.querySelectorAll('input')].map((i) => i.value).join(' ')")


def test_a_malformed_or_reversed_range_is_refused_in_the_page(console):  # noqa: ANN001
    console.sign_in("analyst")
    console.open("overview")
    page = console.page
    # Every report of the range, and no error: volumes, revenue (the seed's fees), the KYC funnel, AML alerts and
    # active users drawn as charts with their tables beside them; the rankings and the desks' figures as tables.
    expect(page.locator("main section.card")).to_have_count(9)
    assert page.locator("main .msg.error").count() == 0, _messages(console)
    charted = ["Transactions per day", "Revenue per day (EUR)", "KYC funnel", "AML alerts by rule", "Active users per day"]
    for title in charted:
        card = page.locator("main section.card", has=page.locator("h2", has_text=title))
        assert card.locator("canvas").count() == 1 and card.locator("table").count() == 1, title
    drawn = page.evaluate("[...document.querySelectorAll('main canvas')].filter((c) => window.Chart.getChart(c)).length")
    assert drawn == len(charted)
    expect(page.locator("main section.card", has_text="Revenue per day (EUR)")).to_contain_text("Bank share")
    expect(page.locator("main section.card", has_text="Support first response")).to_contain_text("Tickets opened")
    sent = console.graphql_requests
    page.get_by_label("From", exact=True).fill("2026-12-05")
    page.get_by_label("To", exact=True).fill("2026-11-01")
    page.get_by_role("button", name="Show").click()
    assert "The range ends before it starts." in _messages(console)
    page.get_by_label("To", exact=True).fill("")
    page.get_by_role("button", name="Show").click()
    assert "Enter both days as YYYY-MM-DD." in _messages(console)
    assert console.graphql_requests == sent


def test_the_console_switches_to_chinese(console):  # noqa: ANN001
    console.sign_in("admin")
    console.page.get_by_role("button", name="中文").click()
    console.page.wait_for_selector("nav a:text('概览')")
    assert console.page.evaluate("document.documentElement.lang") == "zh-CN"
    console.open("customers")
    assert console.page.locator("main h1").inner_text() == "客户"
    console.shot("admin-customers-zh")
    console.page.get_by_role("button", name="English").click()
    console.page.wait_for_selector("nav a:text('Overview')")


def test_no_serious_accessibility_violations_on_the_main_pages(browser, live_console):  # noqa: ANN001
    # axe comes in as an init script (the browser's own injection, which the page's CSP does not govern): the pages are
    # audited under their real policy, and any console error or request elsewhere still fails the test.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    base = live_console["base"]
    watched = Watched(page, base)
    page.goto(base + "/console")
    page.wait_for_selector("#login-title")
    found: dict[str, list] = {}

    def audit(name: str) -> None:
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious = [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
                   for v in result["violations"] if v["impact"] in ("serious", "critical")]
        if serious:
            found[name] = serious

    audit("login")
    page.get_by_label("E-mail").fill("admin@console.test")
    page.get_by_label("Password").fill("console-pass-admin-2026")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("nav a")
    for route in ("overview", "customers", "kyc", "aml", "fees", "audit", "partners"):
        page.goto(f"{base}/console#/{route}")
        wait_loaded(page)
        audit(route)
    context.close()
    assert found == {}, json.dumps(found, indent=1)
    watched.check()


HOSTILE = '<img src=x onerror="window.pwned=1">Evil & Co <b>'


def test_admin_creates_and_suspends_a_partner_whose_name_stays_text(console):  # noqa: ANN001
    console.sign_in("admin")
    console.open("partners")
    page = console.page
    create = page.get_by_role("form", name="Create partner")
    create.get_by_label("Name").fill(HOSTILE)
    create.get_by_role("button", name="Create partner").click()
    page.wait_for_selector(".msg.ok")
    assert any("secret (shown once):" in m for m in _messages(console)), _messages(console)
    row = page.locator("main tbody tr", has_text=HOSTILE)
    expect(row).to_have_count(1)  # listed at once, as text: the markup in the name is not markup on the page
    assert page.locator("main img, main b").count() == 0 and page.evaluate("window.pwned") is None

    suspend = page.get_by_role("form", name="Suspend")
    suspend.get_by_label("Partner").select_option(label=f"{HOSTILE} (ACTIVE)")
    suspend.get_by_label("Reason").fill("contract terminated")
    suspend.get_by_role("button", name="Suspend").click()
    expect(row).to_contain_text("SUSPENDED")
    assert f"{HOSTILE}: SUSPENDED" in _messages(console)

    client = page.get_by_role("form", name="New API client")
    client.get_by_label("Partner").select_option(label=f"{HOSTILE} (SUSPENDED)")
    client.get_by_role("button", name="New API client").click()
    expect(page.locator(".msg.ok")).to_contain_text("Secret (shown once):")
    share = page.get_by_role("form", name="Set fee share")
    share.get_by_label("Partner").select_option(label=f"{HOSTILE} (SUSPENDED)")
    share.get_by_label("Fee share (basis points)").fill("2500")
    share.get_by_role("button", name="Set fee share").click()
    expect(row).to_contain_text("2500 bps")
    console.shot("admin-partners-created")


def test_treasury_sets_an_fx_rate(console):  # noqa: ANN001
    console.sign_in("treasury")
    console.open("fx")
    page = console.page
    form = page.get_by_role("form", name="Set a mid rate")
    form.get_by_label("Base").fill("USD")
    form.get_by_label("Quote").fill("HKD")
    form.get_by_label("Rate").fill("7,8")  # malformed: a message, not a request
    sent = console.graphql_requests
    form.get_by_role("button", name="Set a mid rate").click()
    assert "Enter a positive decimal rate." in _messages(console) and console.graphql_requests == sent
    form.get_by_label("Rate").fill("7.7812")
    form.get_by_role("button", name="Set a mid rate").click()
    page.wait_for_selector(".msg.ok")
    expect(page.locator("main tbody tr", has_text="USD/HKD")).to_contain_text("7.7812")
    console.shot("treasury-fx-set")


def test_compliance_resolves_a_reconciliation_exception(console):  # noqa: ANN001
    console.sign_in("compliance")
    console.open("reconciliation")
    row = console.page.locator("main tbody tr", has_text="SIM-BROWSER-1")
    row.get_by_label("Reason").fill("matched by hand to the rail's statement")
    row.get_by_role("button", name="Resolve").click()
    console.page.wait_for_selector(".msg.ok")
    expect(row).to_have_count(0)
    console.shot("compliance-reconciliation-resolved")


def test_support_replies_to_a_ticket(console):  # noqa: ANN001
    console.sign_in("support")
    console.open("support")
    row = console.page.locator("main tbody tr", has_text="Where is my transfer?").first
    row.get_by_role("button", name="Send").click()  # nothing written: refused in the page
    assert "Write a message first." in _messages(console)
    row.get_by_label("Message").fill("It is with compliance; we will write again today.")
    row.get_by_role("button", name="Send").click()
    console.page.wait_for_selector(".msg.ok")
    assert "Reply sent." in _messages(console)
    console.shot("support-replied")


def _focused(page) -> dict:  # noqa: ANN001
    return page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
        return {tag: e.tagName, text: (e.textContent || '').trim(), id: e.id, outline: s.outlineStyle,
                width: parseFloat(s.outlineWidth), left: e.getBoundingClientRect().left}; }""")


def test_the_console_works_from_the_keyboard(console):  # noqa: ANN001
    page = console.page
    expect(page.get_by_label("E-mail")).to_be_focused()  # the login form starts where the typing goes
    page.keyboard.type(EMAIL.format(role="analyst"))
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD.format(role="analyst"))
    page.keyboard.press("Enter")
    page.wait_for_selector("nav a")
    console.settle()
    start = page.url
    page.locator("#brand").click()  # the keyboard's starting point: the top of the page (the skip link comes before it)
    page.keyboard.press("Shift+Tab")
    skip = _focused(page)
    assert skip["text"] == "Skip to content" and skip["left"] >= 0 and skip["outline"] != "none" and skip["width"] > 0
    page.keyboard.press("Enter")  # to the content, without leaving the page
    assert _focused(page)["id"] == "main" and page.url == start
    page.locator("#brand").click()
    for _ in range(20):  # through the header and the navigation to one of its entries
        page.keyboard.press("Tab")
        now = _focused(page)
        if now["tag"] == "A" and now["text"] == "Fee rules":
            break
    else:
        raise AssertionError("Fee rules is not reachable with Tab")
    assert now["outline"] != "none" and now["width"] > 0  # focus is visible
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_have_text("Fee rules")
    assert page.url.endswith("#/fees")
    expect(page.locator("main")).to_be_focused()  # once loaded, the page's content has the focus
    page.keyboard.press("Tab")  # from the content's start, into its first control
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")


def test_a_wrong_password_is_refused_on_the_login_form(console):  # noqa: ANN001
    console.allowed_errors.append("status of 401")  # /auth/login refusing the password, as it must
    page = console.page
    page.get_by_label("E-mail").fill("nobody@console.test")
    page.get_by_label("Password").fill("not-the-password-2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".login .msg.error")).to_have_text("Invalid e-mail or password.")
    assert page.locator("nav").is_hidden() and page.evaluate(TOKEN) is None
    console.shot("login-refused")
