#!/usr/bin/env python3
"""CI: open the built documentation in headless Chromium and check what a reader sees.

Serves the built HTML (``docs/_build`` by default) on 127.0.0.1 and loads a
few pages in headless Chromium through Selenium: the landing page, the
gallery index, an example page, the theory page and the API page. A page
fails when

* math is left unrendered: ``\\(``, ``\\[`` or ``$$`` in its text outside code
  blocks, or a math element MathJax did not typeset;
* an image does not load (``naturalWidth`` 0 once loading is over);
* it asks for anything outside the local server (every request the browser
  sent, from Chrome's performance log, and every resource the page lists);
* it logs a JavaScript error (a SEVERE entry of the browser log).

A screenshot of each page goes to ``--out`` (``docs/_build/browser-check``),
with ``report.json``. Prints one line per page; exits 1 when any page failed.

Needs Debian's ``chromium`` and ``chromium-driver`` and ``selenium`` from
PyPI; ``.ci/run`` installs them::

    python .ci/browser_check.py [--site docs/_build] [--out DIR] [PAGE ...]
"""
import argparse
import functools
import json
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("index.html", "auto_examples/index.html", "auto_examples/plot_topk_gradient.html",
         "theory.html", "api.html")
LOCAL_SCHEMES = ("data:", "blob:", "about:", "chrome-error:")
WAIT_S = 20  # the longest a page may take to load its images and typeset its math

# Text outside code, and whether MathJax left any math element untypeset.
_MATH_JS = """
const clone = document.body.cloneNode(true);
clone.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight')
     .forEach(e => e.remove());
const text = clone.textContent;
const raw = ['\\\\(', '\\\\[', '$$'].filter(s => text.includes(s));
const elements = Array.from(document.querySelectorAll('.math'));
const untypeset = elements.filter(e => !e.querySelector('mjx-container')
                                       && !e.closest('mjx-container')).length;
return {raw: raw, n_math: elements.length, untypeset: untypeset,
        rendered: document.querySelectorAll('mjx-container').length};
"""
_WAIT_MATHJAX_JS = """
const done = arguments[arguments.length - 1];
if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) { done('no MathJax'); return; }
MathJax.startup.promise.then(() => done('ok'), e => done('error: ' + e));
"""
_IMAGES_JS = """
document.querySelectorAll('img[loading="lazy"]').forEach(i => { i.loading = 'eager'; });
const images = Array.from(document.images);
return {pending: images.filter(i => !i.complete).length,
        broken: images.filter(i => i.complete && i.naturalWidth === 0).map(i => i.src),
        count: images.length};
"""
_RESOURCES_JS = """
return performance.getEntriesByType('resource').map(e => e.name)
    .concat([location.href]);
"""


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves the site without a log line per request."""

    def log_message(self, *args):
        pass


def serve(site):
    """Start a threaded HTTP server for ``site`` on a free port of 127.0.0.1."""
    handler = functools.partial(QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def make_driver(width, height):
    """Headless Chromium with the browser and performance logs on."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-default-apps", "--disable-sync",
                 f"--window-size={width},{height}"):
        options.add_argument(flag)
    binary = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser")
                   if Path(p).exists()), None)
    if binary:
        options.binary_location = binary
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver_path = next((p for p in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
                        if Path(p).exists()), None)
    service = Service(executable_path=driver_path) if driver_path else Service()
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(WAIT_S)
    return driver


def requested_urls(driver):
    """Every URL the browser asked for since the last call (Chrome's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def wait_for_images(driver):
    """The page's image summary once every image finished loading (or WAIT_S passed)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        images = driver.execute_script(_IMAGES_JS)
        if images["pending"] == 0 or time.monotonic() > deadline:
            return images
        time.sleep(0.2)


def check_page(driver, base, page, out):
    """Load one page; return its result (``problems`` empty when it passed)."""
    driver.get_log("performance")  # drop what earlier pages logged
    driver.get_log("browser")
    driver.get(base + page)
    mathjax = driver.execute_async_script(_WAIT_MATHJAX_JS)
    images = wait_for_images(driver)
    math = driver.execute_script(_MATH_JS)
    urls = set(requested_urls(driver)) | set(driver.execute_script(_RESOURCES_JS))
    outside = sorted(u for u in urls if not (u.startswith(base) or u.startswith(LOCAL_SCHEMES)))
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    shot = out / (page.replace("/", "_").removesuffix(".html") + ".png")
    driver.save_screenshot(str(shot))
    problems = []
    if math["raw"]:
        problems.append(f"unrendered math: {' '.join(math['raw'])} in the text")
    if math["untypeset"]:
        problems.append(f"{math['untypeset']} of {math['n_math']} math elements not typeset "
                        f"({mathjax})")
    if images["pending"]:
        problems.append(f"{images['pending']} images still loading after {WAIT_S} s")
    problems += [f"image did not load: {src}" for src in images["broken"]]
    problems += [f"request outside the local server: {url}" for url in outside]
    problems += [f"JavaScript error: {message}" for message in errors]
    return {"page": page, "passed": not problems, "problems": problems,
            "math_elements": math["n_math"], "math_rendered": math["rendered"],
            "images": images["count"], "requests": len(urls), "screenshot": str(shot)}


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Open the built documentation in headless Chromium and fail on "
                    "unrendered math, broken images, outside requests or JavaScript errors.")
    parser.add_argument("pages", nargs="*", default=list(PAGES),
                        help="pages to check, relative to --site (default: %(default)s)")
    parser.add_argument("--site", default=str(ROOT / "docs" / "_build"),
                        help="the built HTML (default: docs/_build)")
    parser.add_argument("--out", help="screenshots and report.json (default: SITE/browser-check)")
    parser.add_argument("--size", default="1280x1600",
                        help="window size WIDTHxHEIGHT (default: %(default)s)")
    args = parser.parse_args(argv)
    site = Path(args.site)
    if not (site / "index.html").is_file():
        parser.error(f"no built documentation in {site} (index.html is missing)")
    out = Path(args.out) if args.out else site / "browser-check"
    out.mkdir(parents=True, exist_ok=True)
    width, height = (int(n) for n in args.size.lower().split("x"))
    server = serve(site)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    driver = make_driver(width, height)
    try:
        results = [check_page(driver, base, page, out) for page in args.pages]
    finally:
        driver.quit()
        server.shutdown()
    (out / "report.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    for r in results:
        if r["passed"]:
            print(f"browser check: ok   {r['page']}: {r['math_rendered']} of "
                  f"{r['math_elements']} math elements typeset, {r['images']} images loaded, "
                  f"{r['requests']} requests, all to 127.0.0.1, no JavaScript error", flush=True)
        else:
            print(f"browser check: FAIL {r['page']}: " + "; ".join(r["problems"]), flush=True)
        print(f"    screenshot {r['screenshot']}", flush=True)
    failed = [r["page"] for r in results if not r["passed"]]
    if failed:
        print(f"browser check: {len(failed)} page(s) failed: {', '.join(failed)}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
