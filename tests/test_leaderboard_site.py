"""The web page: escaping of user strings, the local server's confinement, a real headless browser."""

from __future__ import annotations

import csv
import http.client
import io
import os
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

from leaderboard import store
from leaderboard.runner import evaluate
from leaderboard.site import export, make_server

EVIL = '<script>alert("x")</script>'
EVIL_RESPONSE = "<img src=x onerror=alert(1)> Hello and welcome!"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class EvilService:
    """Writes markup into its responses: the transcript viewer must show it as text."""

    roles = ("service",)

    def reset(self, seed=None) -> None:
        pass

    def act(self, role, observation, info):
        return EVIL_RESPONSE


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("site")
    db = base / "lb.db"
    evaluate("baselines.scripted:ScriptedSOPAgent", base / "a", name="scripted", organisation="=cmd|x")
    evaluate("tests:EvilService", base / "b", agent=EvilService(), name=EVIL, organisation=EVIL,
             description=EVIL)
    for d in ("a", "b"):
        store.submit(base / d, db)
    return export(db, base / "out")


def _parse(path: Path) -> Tags:
    p = Tags()
    p.feed(path.read_text())
    return p


def test_user_strings_are_escaped_everywhere(site):
    for page in ("index.html", "entry-1.html", "entry-2.html"):
        parsed = _parse(site / page)
        assert not [t for t, _ in parsed.tags if t == "script"], page
        assert not [a for _, a in parsed.tags if any(k.startswith("on") for k in a)], page
    assert EVIL in "".join(_parse(site / "index.html").text)
    assert EVIL_RESPONSE in "".join(_parse(site / "entry-2.html").text)
    md = (site / "leaderboard.md").read_text()
    assert "<script>" not in re.sub(r"(`+) .*? \1", "", md)  # only as literal text in code spans
    assert "` <script>alert" in md
    rows = list(csv.DictReader(io.StringIO((site / "leaderboard.csv").read_text())))
    assert {r["organisation"] for r in rows} == {"'=cmd|x", EVIL}


def test_index_ranks_with_confidence_intervals_and_links_plots(site):
    parsed = _parse(site / "index.html")
    links = [a["href"] for t, a in parsed.tags if t == "a" and a.get("href", "").startswith("entry-")]
    assert links == ["entry-1.html", "entry-2.html"]  # scripted ranks first
    text = "".join(parsed.text)
    assert "[" in text and "p<0.001 *" in text
    images = [a["src"] for t, a in _parse(site / "entry-1.html").tags if t == "img"]
    assert images == ["entry-1-tse.png", "entry-1-strategies.png"]
    assert all((site / i).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for i in images)


@pytest.fixture
def server(site):
    srv = make_server(site, port=0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _get(srv, path: str) -> tuple[int, bytes]:
    con = http.client.HTTPConnection(*srv.server_address[:2], timeout=10)
    con.putrequest("GET", path, skip_accept_encoding=True)
    con.endheaders()
    resp = con.getresponse()
    body = resp.read()
    con.close()
    return resp.status, body


def test_server_binds_localhost_and_serves_only_its_site(server, site, tmp_path):
    assert server.server_address[0] == "127.0.0.1"
    assert _get(server, "/")[0] == 200 and b"leaderboard" in _get(server, "/")[1]
    assert _get(server, "/entry-2.html")[0] == 200
    secret = tmp_path / "secret.txt"
    secret.write_text("do not serve")
    os.symlink(secret, site / "link.txt")
    try:
        for path in ("/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/link.txt", f"/{secret}",
                     "/.not-found/"):
            status, body = _get(server, path)
            assert status in (400, 404) and b"do not serve" not in body, path
    finally:
        (site / "link.txt").unlink()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_page_renders_in_a_headless_browser(server, tmp_path):
    pw = pytest.importorskip("playwright.sync_api")
    from matplotlib.image import imread

    dialogs = []
    url = "http://{}:{}/".format(*server.server_address[:2])
    with pw.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(url)
        assert page.locator("table.leaderboard tbody tr").count() == 2
        assert page.locator("table.leaderboard tbody tr").nth(1).locator("td").nth(1).inner_text() == EVIL
        shot = tmp_path / "table.png"
        page.locator("table.leaderboard").screenshot(path=str(shot))
        pixels = imread(shot)
        assert pixels.shape[0] > 40 and pixels.shape[1] > 400 and pixels.std() > 0.05
        page.click("text=" + EVIL)
        assert page.url.endswith("entry-2.html")
        widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
        assert len(widths) == 2 and min(widths) > 100
        page.locator("details.episode summary").first.click()
        first = page.locator("details.episode").first.locator("table.transcript tbody tr").nth(1)
        assert EVIL_RESPONSE in first.inner_text()
        browser.close()
    assert dialogs == []  # no injected script ran
