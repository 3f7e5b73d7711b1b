#!/usr/bin/env python3
"""The status page in a real browser (Debian's chromium and chromium-driver, Selenium from PyPI).

    scripts/status-page-browser.py URL TOKEN SHOTS_DIR

Pushes a few values (a histogram's observations, a gauge, a Pushgateway group), then in headless Chromium at
1,400 px and at 375 px wide: the script ran under the page's Content-Security-Policy (no violation logged, the
filter box shown, times made relative); typing into the filter narrows the visible sections and the overview;
a folded section opens and its zero series show; a histogram series has an SVG chart with one bar per bucket of
/metrics, each as tall as its own count says; the copy button copies or selects its line; dark mode changes the
colours; at 375 px nothing is wider than the window. Screenshots of both widths go to SHOTS_DIR. Exit 1 on any
failed check, with one line per check.
"""
import json
import math
import sys
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

url, token, shots = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
failures = []


def check(label, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + label + ("" if condition else f": {detail}"))
    if not condition:
        failures.append(label)


def request(method, path, body=b"", headers=None):
    req = urllib.request.Request(url + path, data=body if method != "GET" else None, method=method)
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    with urllib.request.urlopen(req, timeout=10) as response:
        return response.status, dict(response.headers), response.read().decode()


def push(metric, operation, form):
    request("POST", f"/api/{metric}/{operation}", form.encode(),
            {"X-Private-Token": token, "Content-Type": "application/x-www-form-urlencoded"})


for value in (100, 900, 1800, 13000, 19000.5, 19500):
    push("deployment_duration_seconds", "observe", f"value={value}&labels=coordinator_pipeline,success")
push("auto_deploy_pressure", "set", "value=12&labels=gprd")
group_body = (
    "# HELP browser_check_seconds How long the browser check took.\n# TYPE browser_check_seconds histogram\n"
    'browser_check_seconds_bucket{le="1"} 2\nbrowser_check_seconds_bucket{le="5"} 7\n'
    'browser_check_seconds_bucket{le="+Inf"} 8\nbrowser_check_seconds_sum 21\nbrowser_check_seconds_count 8\n'
)
request("PUT", "/metrics/job/browser-check/instance/chromium", group_body.encode(), {"X-Private-Token": token})

status, headers, _ = request("GET", "/")
policy = headers.get("Content-Security-Policy", "")
check("GET / sends a Content-Security-Policy with hashes", "script-src 'sha256-" in policy, policy)

# The buckets of the success series, per bucket, from /metrics (cumulative there).
_, _, metrics = request("GET", "/metrics")
cumulative = []
for line in metrics.splitlines():
    if line.startswith("delivery_deployment_duration_seconds_bucket{") and 'status="success"' in line:
        cumulative.append(float(line.rsplit(" ", 1)[1]))
per_bucket = [c - (cumulative[i - 1] if i else 0) for i, c in enumerate(cumulative)]
fullest = max(per_bucket) if per_bucket else 0
# Halves away from zero, as Swift's rounded() (Python's round() takes them to even).
want_heights = [0 if c == 0 else max(1, math.floor(c / fullest * 32 + 0.5)) for c in per_bucket]

options = Options()
for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"):
    options.add_argument(flag)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    driver.set_window_size(1400, 1000)
    driver.get(url + "/")
    js = driver.execute_script

    # checkVisibility sees what a closed <details> hides (Chromium hides it by content-visibility, which leaves
    # offsetParent set).
    def visible(selector):
        return js(f"return Array.from(document.querySelectorAll({json.dumps(selector)}))"
                  ".filter(e => e.checkVisibility()).length")

    violations = [entry["message"] for entry in driver.get_log("browser")
                  if "Content Security Policy" in entry["message"] or "Refused" in entry["message"]]
    check("no Content-Security-Policy violation in the console", not violations, violations)
    check("the script ran: the filter box is shown", driver.find_element(By.ID, "filter").is_displayed())
    times = js("return Array.from(document.querySelectorAll('time')).map(t => t.textContent)")
    check("the script ran: times read as relative ones", any(t.endswith("ago") or t == "just now" for t in times),
          times[:5])

    sections = visible("section")
    rows = visible("table.overview tr.metric")
    box = driver.find_element(By.ID, "filter")
    box.send_keys("rollback")
    narrowed = visible("section")
    narrowed_rows = visible("table.overview tr.metric")
    texts = js("return Array.from(document.querySelectorAll('section')).filter(e => e.checkVisibility())"
               ".map(e => e.getAttribute('data-filter'))")
    check("typing in the filter narrows the sections", 0 < narrowed < sections, f"{sections} -> {narrowed}")
    check("and the overview", 0 < narrowed_rows < rows, f"{rows} -> {narrowed_rows}")
    check("every visible section matches", all("rollback" in t for t in texts), texts)
    # A label value held only by zero series, folded twice: the filter unfolds where it matches.
    box.clear()
    box.send_keys("gstg-ref")
    matching_rows = js("return Array.from(document.querySelectorAll('tr.series'))"
                       ".filter(r => r.checkVisibility() && r.textContent.includes('gstg-ref')).length")
    check("a label value in a folded list is unfolded by the filter", matching_rows > 0, matching_rows)
    box.clear()
    box.send_keys(" ")
    check("clearing the filter shows every section again", visible("section") == sections)
    check("and folds back what it unfolded", js("return document.querySelectorAll('details.zeros[open]').length") == 0)

    # A metric whose series are all at zero (a cartesian reset holds them from the start): folded.
    folded = driver.find_element(By.XPATH, "//section[contains(@class,'metric')]//details[contains(@class,'series')"
                                           " and not(@open) and .//details[contains(@class,'zeros')]]")
    section = folded.find_element(By.XPATH, "ancestor::section").get_attribute("id")
    rows = f"section[id='{section}'] tr.series"
    written = driver.find_element(By.CSS_SELECTOR, "#auto_deploy_pressure details.series")
    check("a metric holding a value is open", written.get_attribute("open") is not None)
    check(f"one with none ({section}) is folded, its rows hidden", visible(rows) == 0, visible(rows))
    folded.find_element(By.TAG_NAME, "summary").click()
    check("clicking its summary opens it", folded.get_attribute("open") is not None)
    zeros = folded.find_element(By.CSS_SELECTOR, "details.zeros")
    hidden_rows = visible(rows)
    zeros.find_element(By.TAG_NAME, "summary").click()
    check("'show N zero series' shows them", visible(rows) > hidden_rows == 0, f"{hidden_rows} -> {visible(rows)}")

    row = driver.find_element(By.XPATH, "//section[@id='deployment_duration_seconds']//tr[td='success']")
    heights = [int(rect.get_attribute("height")) for rect in row.find_elements(By.CSS_SELECTOR, "svg.chart rect")]
    check("the histogram's chart has one bar per bucket of /metrics", len(heights) == len(per_bucket),
          f"{len(heights)} bars, {len(per_bucket)} buckets")
    check("each bar as tall as its bucket's own count", heights == want_heights, f"{heights} != {want_heights}")
    group_bars = driver.find_elements(By.XPATH, "//section[contains(@class,'group')]//tr[td/code='browser_check_seconds']"
                                                "//*[local-name()='rect']")
    check("the pushed histogram has a bar per bucket (1, 5, +Inf)", len(group_bars) == 3, len(group_bars))
    link = driver.find_element(By.CSS_SELECTOR, "table.groups a")
    target = link.get_attribute("href").split("#", 1)[1]
    check("the groups table links to the group's section", bool(driver.find_elements(By.ID, target)), target)

    button = driver.find_element(By.CSS_SELECTOR, "section#auto_deploy_pressure button.copy")
    check("the copy button is shown", button.is_displayed())
    button.click()
    line = driver.find_element(By.CSS_SELECTOR, "section#auto_deploy_pressure .push pre").text
    # The clipboard answers asynchronously; the button says which way it went.
    WebDriverWait(driver, 5).until(lambda _: button.text != "copy")
    outcome = button.text
    selected = js("return window.getSelection().toString()")
    check("the copy button copies, or selects its line", outcome == "copied" or selected.strip() == line.strip(),
          f"{outcome!r}, selection {selected!r}")

    # The pictures show the page as it opens, from the top.
    driver.get(url + "/")
    driver.save_screenshot(f"{shots}/status-page-1400.png")
    light = js("return getComputedStyle(document.body).backgroundColor")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                           {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    dark = js("return getComputedStyle(document.body).backgroundColor")
    check("dark mode has colours of its own", light != dark, f"{light} / {dark}")
    driver.save_screenshot(f"{shots}/status-page-1400-dark.png")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})

    driver.set_window_size(375, 812)
    driver.get(url + "/")
    inner = js("return window.innerWidth")
    wide = js("return document.documentElement.scrollWidth")
    check("at 375 px nothing is wider than the window", wide <= inner, f"{wide} > {inner}")
    driver.save_screenshot(f"{shots}/status-page-375.png")
finally:
    driver.quit()

print(f"status page in Chromium: {len(failures)} checks failed; screenshots in {shots}")
sys.exit(1 if failures else 0)
