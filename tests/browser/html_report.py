"""Opens a flowaudit HTML report in headless Chromium and drives it like a user.

    html_report.py REPORT.html SCREENSHOT_DIR

Prints one JSON object: console errors, page errors, requests that left the file,
the rows shown after filtering to each status with the status control, the rows
shown for a free-text search, whether the remediation tabs follow the keyboard,
and the screenshots written (light and dark). The Rust test asserts on it.
Chromium: $FLOWAUDIT_CHROMIUM, else /usr/bin/chromium.
"""

import json
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def visible_statuses(page):
    return page.eval_on_selector_all(
        "#results tbody tr", "rows => rows.filter(r => !r.hidden).map(r => r.dataset.status)"
    )


def main():
    report = Path(sys.argv[1]).resolve()
    shots = Path(sys.argv[2])
    shots.mkdir(parents=True, exist_ok=True)
    out = {"console_errors": [], "page_errors": [], "external_requests": [], "screenshots": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("FLOWAUDIT_CHROMIUM", "/usr/bin/chromium"), args=ARGS
        )
        for scheme in ["light", "dark"]:
            page = browser.new_page(color_scheme=scheme, viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: m.type == "error" and out["console_errors"].append(m.text))
            page.on("pageerror", lambda e: out["page_errors"].append(str(e)))
            page.on(
                "request",
                lambda r: None if r.url.startswith(("file:", "data:")) else out["external_requests"].append(r.url),
            )
            page.goto(report.as_uri(), wait_until="load")
            shot = shots / f"html-report-{scheme}.png"
            page.screenshot(path=str(shot), full_page=False)
            out["screenshots"].append(str(shot))
            if scheme == "light":
                out["title"] = page.title()
                # The cost section: one row per VPC, a bar per account and figure.
                out["cost_rows"] = page.locator("#cost-vpcs tbody tr").count()
                out["cost_bars"] = page.locator("#cost svg rect").count()
                out["cost_total"] = page.inner_text("#cost-total")
                out["cost_visible"] = page.locator("#cost").is_visible()
                out["rows"] = len(visible_statuses(page))
                out["shown_text"] = page.inner_text("#shown")
                out["filtered"] = {}
                for status in ["PASS", "FAIL", "EXCEPTED", "SKIPPED", "ERROR"]:
                    page.select_option("#f-status", status)
                    out["filtered"][status] = visible_statuses(page)
                page.select_option("#f-status", "")
                page.fill("#f-text", "payments-prod")
                out["text_filtered"] = len(visible_statuses(page))
                out["hash"] = page.evaluate("location.hash")
                page.click("#f-reset")
                out["after_reset"] = len(visible_statuses(page))
                # Keyboard: open the first FAIL row's details, move along the tabs.
                page.select_option("#f-status", "FAIL")
                # The first FAIL row with a fix plan (its details have tabs).
                first = page.locator("#results tbody tr:not([hidden])").filter(
                    has=page.locator("[role=tab]")).first
                first.locator("summary").focus()
                page.keyboard.press("Enter")
                tab = first.locator("[role=tab]").first
                tab.focus()
                page.keyboard.press("ArrowRight")
                out["selected_tab"] = first.locator("[role=tab][aria-selected=true]").inner_text()
                out["visible_panel"] = first.locator("[role=tabpanel]:not([hidden]) pre").inner_text()[:40]
                shot = shots / "html-report-fail-details.png"
                page.screenshot(path=str(shot), full_page=False)
                out["screenshots"].append(str(shot))
            page.close()
        browser.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
