"""The leaderboard web page: a static site exported from the database, and a local server.

``export`` writes ``index.html`` (ranked tables with CIs), one ``entry-<id>.html`` per entry
(plots of the TSE distribution and of strategy usage, and a transcript viewer), plus
``leaderboard.md`` and ``leaderboard.csv``. Every user-supplied string goes through
:func:`html.escape`. ``serve`` binds 127.0.0.1 by default and serves only files inside the site.
"""

from __future__ import annotations

import contextlib
import html
from collections import Counter
from pathlib import Path
from typing import Any

from leaderboard import names, report, store
from leaderboard.submission import atomic_write_text

MAX_TRANSCRIPTS = 300
"""Episodes shown in an entry's transcript viewer (the first ones, in episode order)."""

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.sig { color: #0a0; font-weight: bold; }
details { margin: 0.3rem 0; }
summary { cursor: pointer; }
img { max-width: 48%; margin-right: 1%; border: 1px solid #ddd; }
"""


def _e(value: Any) -> str:
    """HTML-escaped, with control and bidi characters shown as ``\\xNN`` (never raw)."""
    return html.escape(names.terminal(str(value)), quote=True)


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n")


def _ci_cell(m: dict[str, Any] | str | None) -> str:
    if m is None:
        return '<td class="num">—</td>'
    if isinstance(m, str):
        return f'<td class="na">{_e(m)}</td>'
    if not m.get("ci"):
        return f'<td class="num">{m["mean"]:.3f}</td>'
    lo, hi = m["ci"]
    return f'<td class="num" title="95% CI [{lo:.3f}, {hi:.3f}]">{m["mean"]:.3f} [{lo:.3f}, {hi:.3f}]</td>'


def index_html(rows: list[dict[str, Any]]) -> str:
    """The ranked tables, one per (env, track)."""
    parts = ["<h1>gopo-bench leaderboard</h1>",
             "<p>Mean and 95% bootstrap confidence interval over test scenarios. "
             "<em>vs above</em>: paired bootstrap test of TSE against the entry ranked just above "
             "(<span class=\"sig\">*</span> p &lt; 0.05).</p>"]
    if not rows:
        parts.append("<p>No entries yet.</p>")
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["env_id"], r["track"]), []).append(r)
    for (env_id, track), group in groups.items():
        parts.append(f"<h2>{_e(env_id)} · {_e(track)} track</h2>")
        head = "".join(f"<th>{_e(c)}</th>" for c in ("rank", "agent", "organisation", "status",
                                                       "episodes", *report.COLUMNS, "vs above"))
        parts.append(f'<table class="leaderboard"><thead><tr>{head}</tr></thead><tbody>')
        for r in group:
            test = report.fmt_vs_above(r["vs_above"])
            sig = ' class="sig"' if test.endswith("*") else ""
            parts.append(
                f'<tr><td class="num">{r["rank"]}</td>'
                f'<td><a href="entry-{int(r["id"])}.html">{_e(r["name"])}</a></td>'
                f'<td>{_e(r["organisation"])}</td><td class="status">{_e(report.status(r))}</td>'
                f'<td class="num">{int(r["episodes"])}</td>'
                + "".join(_ci_cell(report.metric_cell(r, c)) for c in report.COLUMNS)
                + f"<td{sig}>{_e(test)}</td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append('<p>Downloads: <a href="leaderboard.csv">CSV</a> · '
                 '<a href="leaderboard.md">Markdown</a></p>')
    return _page("gopo-bench leaderboard", "\n".join(parts))


def _plots(records: list[dict[str, Any]], out: Path, entry: int) -> list[str]:
    """TSE histogram and strategy-usage bars as PNGs; returns their file names."""
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError(f"the web page's plots need the [web] extra ({e}): "
                          "pip install 'gopo-bench[web]'") from e

    names = [f"entry-{entry}-tse.png", f"entry-{entry}-strategies.png"]
    fig = Figure(figsize=(5, 3.2), dpi=100)
    ax = fig.add_subplot()
    ax.hist([ep["metrics"]["tse"] for ep in records], bins=20, range=(0.0, 1.0), color="#4a7ab5")
    ax.set(title="TSE per episode", xlabel="TSE", ylabel="episodes")
    fig.tight_layout()
    fig.savefig(out / names[0])
    usage = Counter(t["strategy_name"] or "<invalid>" for ep in records for t in ep["turns"])
    labels = sorted(usage, key=lambda k: -usage[k])
    fig = Figure(figsize=(5, 3.2), dpi=100)
    ax = fig.add_subplot()
    ax.barh(labels[::-1], [usage[k] for k in labels[::-1]], color="#b5754a")
    ax.set(title="Strategy usage", xlabel="turns")
    fig.tight_layout()
    fig.savefig(out / names[1])
    return names


def _transcript(ep: dict[str, Any]) -> str:
    m = ep["metrics"]
    outcome = "success" if ep["outcome"]["success"] else "no success"
    rows = [f'<tr><td class="num">0</td><td></td><td></td><td>{_e(ep["opening"]["customer"])}</td>'
            f'<td>{_e(ep["opening"]["intent"])}</td></tr>']
    for t in ep["turns"]:
        flags = f' <small>[{_e(", ".join(t["violations"]))}]</small>' if t["violations"] else ""
        mark = {1: " (+)", -1: " (−)"}.get(t["polarity"], "")
        rows.append(f'<tr><td class="num">{int(t["turn"])}</td><td>{_e(t["strategy_name"])}</td>'
                    f'<td>{_e(t["response"])}{flags}</td><td>{_e(t["customer"])}</td>'
                    f'<td>{_e(t["intent"])}{mark}</td></tr>')
    return (f'<details class="episode"><summary>episode {int(ep["episode"])} · {_e(ep["scenario_id"])} · '
            f'trial {int(ep["trial"])} · {outcome} · TSE {m["tse"]:.3f}</summary>'
            '<table class="transcript"><thead><tr><th>turn</th><th>strategy</th><th>response</th>'
            "<th>customer</th><th>act</th></tr></thead><tbody>" + "".join(rows)
            + "</tbody></table></details>")


def entry_html(row: dict[str, Any], records: list[dict[str, Any]], plots: list[str]) -> str:
    """One entry: identity, all metrics with CIs, plots, transcript viewer."""
    info = "".join(f"<tr><th>{_e(k)}</th><td>{_e(row[k])}</td></tr>" for k in (
        "name", "organisation", "contact", "description", "agent_class", "env_id", "track",
        "package_version", "split", "trials", "episodes", "submitted_at"))
    metrics = "".join(f"<tr><th>{_e(n)}</th>{_ci_cell(report.metric_cell(row, n))}</tr>"
                      for n in row["metrics"])
    info += f"<tr><th>status</th><td>{_e(report.status(row))}</td></tr>"
    images = "".join(f'<img src="{_e(p)}" alt="{_e(p)}">' for p in plots)
    shown = records[:MAX_TRANSCRIPTS]
    more = (f"<p>Showing the first {len(shown)} of {len(records)} episodes.</p>"
            if len(records) > len(shown) else "")
    body = (f'<p><a href="index.html">← leaderboard</a></p><h1>{_e(row["name"])}</h1>'
            f'<table class="info">{info}</table><h2>Metrics</h2><table class="metrics">{metrics}</table>'
            f"<h2>Plots</h2>{images}<h2>Transcripts</h2>{more}"
            + "".join(_transcript(ep) for ep in shown))
    return _page(f"{row['name']} — gopo-bench", body)


def export(db: str | Path, out: str | Path) -> Path:
    """Write the static site, ``leaderboard.md`` and ``leaderboard.csv`` to ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = report.ranked(db)
    for row in rows:
        records = store.episode_records(db, row["id"])
        plots = _plots(records, out, row["id"])
        atomic_write_text(out / f"entry-{row['id']}.html", entry_html(row, records, plots))
    atomic_write_text(out / "index.html", index_html(rows))
    atomic_write_text(out / "leaderboard.md", report.markdown(db))
    atomic_write_text(out / "leaderboard.csv", report.csv_text(db))
    return out


SERVER_TIMEOUT_S = 15
"""An idle or slow connection is closed after this many seconds (waitress ``channel_timeout``)."""
MAX_REQUEST_BYTES = 64 << 10
"""Request line + headers larger than this are refused (the site takes no request bodies)."""
_SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; script-src 'none'"),
    ("Referrer-Policy", "no-referrer"),
]


def site_app(site: str | Path) -> Any:
    """A WSGI app serving the regular files of ``site`` only (GET/HEAD).

    No listings; ``..``, NUL bytes and non-UTF-8 paths answer 400; a path that is not a
    regular file directly inside the site — through a symlink or otherwise — answers 404.
    """
    import mimetypes

    root = Path(site).resolve()

    def respond(start_response: Any, status: str, body: bytes, ctype: str = "text/plain; charset=utf-8",
                head: bool = False) -> list[bytes]:
        start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body))),
                                *_SECURITY_HEADERS])
        return [] if head else [body]

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        head = method == "HEAD"
        if method not in ("GET", "HEAD"):
            return respond(start_response, "405 Method Not Allowed", b"GET or HEAD only\n", head=head)
        raw = environ.get("PATH_INFO", "/")
        try:
            path = raw.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return respond(start_response, "400 Bad Request", b"path is not UTF-8\n", head=head)
        parts = [p for p in path.split("/") if p]
        if "\x00" in path or any(p in (".", "..") or "\\" in p for p in parts):
            return respond(start_response, "400 Bad Request", b"malformed path\n", head=head)
        candidate = root.joinpath(*parts) if parts else root / "index.html"
        try:
            real = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            real = None
        if real is None or real != candidate or not real.is_file() or not real.is_relative_to(root):
            return respond(start_response, "404 Not Found", b"not found\n", head=head)
        body = real.read_bytes()
        ctype = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
        if ctype.startswith("text/"):
            ctype += "; charset=utf-8"
        return respond(start_response, "200 OK", body, ctype, head=head)

    return app


class SiteServer:
    """The site behind waitress (a maintained pure-Python WSGI server): request parsing, 400s
    for malformed requests, idle-connection timeouts and a connection limit come from it."""

    def __init__(self, site: str | Path, host: str, port: int) -> None:
        try:
            from waitress.server import create_server
        except ImportError as e:
            raise ImportError(f"`leaderboard serve` needs the [web] extra ({e}): "
                              "pip install 'gopo-bench[web]'") from e
        self._server = create_server(
            site_app(site), host=host, port=port, channel_timeout=SERVER_TIMEOUT_S, cleanup_interval=5,
            max_request_header_size=MAX_REQUEST_BYTES, max_request_body_size=0,
            connection_limit=100, threads=4, ident="gopo-bench", expose_tracebacks=False,
            clear_untrusted_proxy_headers=True)

    @property
    def server_address(self) -> tuple[str, int]:
        return str(self._server.effective_host), int(self._server.effective_port)

    def serve_forever(self) -> None:
        with contextlib.suppress(OSError):  # the socket was closed by shutdown()
            self._server.run()

    def shutdown(self) -> None:
        self._server.close()
        self._server.task_dispatcher.shutdown()

    def server_close(self) -> None:
        pass


def make_server(site: str | Path, host: str = "127.0.0.1", port: int = 8000) -> SiteServer:
    """A server for ``site`` (call ``serve_forever``); port 0 picks a free port.

    Raises ``OSError`` when the address cannot be bound (port in use, no permission).
    """
    return SiteServer(site, host, port)
