"""Leaderboard integrity (issue 14): every attack and hostile input is a test.

Protocol fixed by the track, duplicates by content and by look-alike names, hostile names in
every output, bounded streaming validation, clear errors for malformed input, storage after
interrupted writes and odd paths, the hardened web server, and reference entries.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from leaderboard import names, report, store
from leaderboard.cli import main
from leaderboard.runner import evaluate
from leaderboard.site import export, make_server
from leaderboard.submission import MAX_LINE_BYTES, SubmissionError
from leaderboard.validate import validate

SUB, TRAJ = "submission.json", "trajectories.jsonl"


@pytest.fixture(scope="module")
def genuine(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("genuine") / "scripted"
    evaluate("baselines.scripted:ScriptedSOPAgent", out, name="scripted", organisation="lab A")
    return out


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """A one-trial (custom track) run: cheap to mutate."""
    out = tmp_path_factory.mktemp("small") / "random"
    evaluate("baselines.random_agent:RandomAgent", out, trials=1, name="random", organisation="lab B")
    return out


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _lines(d: Path) -> list[str]:
    return (d / TRAJ).read_text().splitlines()


def _sub(d: Path) -> dict:
    return json.loads((d / SUB).read_text())


def _write_sub(d: Path, sub: dict) -> None:
    (d / SUB).write_text(json.dumps(sub))


def _rejected(d: Path, db: Path, *expected: str) -> str:
    with pytest.raises(SubmissionError) as err:
        store.submit(d, db)
    for part in expected:
        assert part in str(err.value), str(err.value)
    assert store.counts(db)["submissions"] in (0, 1)
    return str(err.value)


# ---------------------------------------------------------------------- 1. protocol
def test_standard_track_is_exactly_the_fixed_protocol(genuine, small, tmp_path):
    assert _sub(genuine)["track"] == "standard" and _sub(genuine)["protocol"]["seeds"] == [0, 1, 2]
    assert _sub(small)["track"] == "custom"  # one trial: not the submitter's choice to call standard
    d = _copy(small, tmp_path / "claims-standard")
    sub = _sub(d)
    sub["track"] = "standard"
    _write_sub(d, sub)
    _rejected(d, tmp_path / "lb.db", "track is 'standard'", "--trials 3 --seed 0")
    d = _copy(genuine, tmp_path / "partial")  # all of it or nothing: drop one trial's episodes
    (d / TRAJ).write_text("\n".join(_lines(d)[:240]) + "\n")
    _rejected(d, tmp_path / "lb.db", "120 episode(s) missing")


# ---------------------------------------------------------------------- 3. duplicates
def _reformatted(d: Path) -> None:
    """Blank lines, other key order and spacing, trial 0 written as ``0``: same run."""
    eps = [json.loads(x) for x in _lines(d)]
    text = "\n\n".join(json.dumps(ep, indent=None, separators=(", ", ": "), sort_keys=False)
                       for ep in reversed(eps))
    (d / TRAJ).write_text("\n" + text + "\n\n\n")


RENAMES = {
    "fullwidth": "ｓｃｒｉｐｔｅｄ",
    "cyrillic": "sсrірtеd",  # с, і, р, е are Cyrillic
    "greek": "scriptεd".replace("ε", "е").replace("p", "ρ"),
    "zero-width": "scri\u200bpted",
    "zero-width-joiner": "scrip\u200dted",
    "bidi": "\u202escripted",
    "case": "SCRIPTED",
    "spacing": "scripted ",
    "nbsp": "scripted\u00a0",
    "word-joiner": "script\u2060ed",
    "soft-hyphen": "scrip\u00adted",
    "hangul-filler": "scripted\u3164",
}


def test_the_same_run_is_stored_once_whatever_its_formatting_or_name(genuine, tmp_path):
    db = tmp_path / "lb.db"
    entry, _ = store.submit(genuine, db)
    d = _copy(genuine, tmp_path / "reformatted")
    _reformatted(d)
    with pytest.raises(store.DuplicateSubmission, match=f"already stored as entry {entry}"):
        store.submit(d, db)
    for kind, name in RENAMES.items():
        d = _copy(genuine, tmp_path / f"renamed-{kind}")
        sub = _sub(d)
        sub["agent"]["name"] = name
        sub["agent"]["organisation"] = "someone else"
        _write_sub(d, sub)
        with pytest.raises(SubmissionError) as err:  # duplicate content, or the name is refused
            store.submit(d, db)
        assert "already stored" in str(err.value) or "not printable" in str(err.value) \
            or "whitespace" in str(err.value), (kind, str(err.value))
    assert store.counts(db)["submissions"] == 1


def test_trial_written_as_float_is_refused(small, tmp_path):
    d = _copy(small, tmp_path / "float")
    eps = [json.loads(x) for x in _lines(d)]
    eps[0]["trial"] = 0.0
    (d / TRAJ).write_text("".join(json.dumps(e) + "\n" for e in eps))
    _rejected(d, tmp_path / "lb.db", "line 1", "field trial is 0.0")


def test_look_alike_name_of_another_submitters_entry_is_refused(genuine, small, tmp_path):
    db = tmp_path / "lb.db"
    store.submit(genuine, db)  # "scripted", lab A
    for kind in ("fullwidth", "cyrillic", "greek", "case"):
        d = _copy(small, tmp_path / kind)
        sub = _sub(d)
        sub["agent"]["name"] = RENAMES[kind]
        _write_sub(d, sub)
        _rejected(d, db, "looks like entry 1's name 'scripted'")
    assert names.skeleton(RENAMES["zero-width"]) == names.skeleton("scripted")
    assert names.skeleton(RENAMES["bidi"]) == names.skeleton("scripted")
    assert names.skeleton("scripted v2") != names.skeleton("scripted")


# ---------------------------------------------------------------------- 4. hostile names
HOSTILE = {
    "markdown-image": "![x](http://evil.example/p.png)",
    "markdown-link": "[click](javascript:alert(1))",
    "autolink": "<http://evil.example>",
    "html": "<img src=x onerror=alert(1)>",
    "formula": "=HYPERLINK(\"http://evil.example\",\"x\")",
    "formula-plus": "+SUM(1+2)",
    "formula-at": "@SUM(1)",
    "semicolon-formula": "x;=HYPERLINK(\"http://evil.example\")",
    "comma-formula": "x,=1+2",
    "pipe": "a | b | c",
    "fullwidth-formula": "＝1+1",
}
CONTROL = {
    "ansi": "\x1b[31mred\x1b[0m",
    "carriage-return": "x\r=SUM(1+2)",
    "tab": "x\t=1",
    "newline": "a\nb",
    "bidi-override": "abc\u202edcba",
    "zero-width": "a\u200bb",
    "bell": "a\x07",
    "private-use": "a\ue000",
    "nul": "a\x00",
}


@pytest.mark.parametrize("name", list(CONTROL.values()), ids=list(CONTROL))
def test_names_with_control_characters_are_refused(small, tmp_path, name):
    d = _copy(small, tmp_path / "sub")
    sub = _sub(d)
    sub["agent"]["name"] = name
    _write_sub(d, sub)
    _rejected(d, tmp_path / "lb.db", "agent.name", "not printable")


def test_overlong_and_empty_names_are_refused(small, tmp_path):
    for name, message in (("x" * 101, "too long"), ("\u3164", "not printable"), ("   ", "empty")):
        d = _copy(small, tmp_path / f"n{len(name)}")
        sub = _sub(d)
        sub["agent"]["name"] = name
        _write_sub(d, sub)
        with pytest.raises(SubmissionError, match=f"agent.name.*{message}"):
            store.submit(d, tmp_path / "lb.db")


@pytest.fixture(scope="module")
def hostile_board(small, tmp_path_factory) -> Path:
    """A board whose entries carry every hostile name (stored directly: the names are legal)."""
    base = tmp_path_factory.mktemp("hostile")
    db = base / "lb.db"
    verified = validate(small)
    episodes = list(verified.episodes())
    for i, name in enumerate(HOSTILE.values()):
        sub = json.loads(json.dumps(verified.submission))
        sub["agent"]["name"] = name
        sub["agent"]["organisation"] = name
        v = type(verified).from_episodes(sub, episodes, verified.metrics, f"{verified.digest}-{i}")
        store.store(db, v)
    # a name stored by an older version, before names were checked: outputs must still be safe
    with sqlite3.connect(db) as con:
        con.execute("UPDATE submissions SET name = ? WHERE id = 1",
                    (CONTROL["ansi"] + CONTROL["carriage-return"],))
    return db


def test_terminal_table_has_no_raw_control_characters(hostile_board):
    text = report.text_table(hostile_board)
    assert "\x1b" not in text and "\r" not in text and "\\x1b[31mred" in text
    assert all(line.count("  ") > 3 for line in text.splitlines()[2:-1])  # one row per entry
    assert len(text.splitlines()) == len(HOSTILE) + 3


def test_markdown_has_no_live_links_images_or_html(hostile_board):
    import re

    md = report.markdown(hostile_board)
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(HOSTILE)  # no row split by a name
    for line in table[2:]:
        cells = re.split(r"(?<!\\)\|", line)[1:-1]
        assert len(cells) == len(report.HEADER), line  # no cell split by "|"
        for i in report._USER:  # names are code spans: literal text
            assert re.fullmatch(r" (`+) .* \1 ", cells[i]), cells[i]
        outside = [c for i, c in enumerate(cells) if i not in report._USER]
        assert not any(re.search(r"(?<!\\)[\[<!]", c) for c in outside), line
    assert "\x1b" not in md and "\r" not in md


def _render_markdown(md: str) -> str | None:
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        return None
    return MarkdownIt("commonmark").enable("table").render(md)


def test_markdown_renders_without_links_or_images(hostile_board):
    import re

    html = _render_markdown(report.markdown(hostile_board))
    if html is None:
        pytest.skip("markdown-it-py is not installed")
    assert "<img" not in html and "<a " not in html
    outside_code = re.sub(r"<code>.*?</code>", "", html, flags=re.S)
    assert "http://" not in outside_code  # URLs only inside code spans: no autolinker touches them
    assert html.count("<code>") == 2 * len(HOSTILE)  # every name and organisation, literally


def _naive_cells(text: str, delimiter: str) -> list[str]:
    """How a spreadsheet guessing the wrong delimiter may cut the file: lines, then delimiter."""
    import re

    return [c.strip().strip('"') for line in re.split("\r\n|\r|\n", text) for c in line.split(delimiter)]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_has_no_formula_cell_whatever_the_delimiter(hostile_board, delimiter):
    text = report.csv_text(hostile_board, delimiter=delimiter)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert len(rows) == 1 + len(HOSTILE)  # a CR in a name opened no row
    assert len({len(r) for r in rows}) == 1  # nor a cell
    for read_as in (",", ";", "\t", "|"):  # a spreadsheet may assume any delimiter
        for cell in _naive_cells(text, read_as):
            if any(w in cell for w in ("HYPERLINK", "SUM", "1+", "＝", "1)")):
                assert not cell.startswith(("=", "+", "-", "@", "＝")), (read_as, cell)


def test_html_escapes_every_hostile_name(hostile_board, tmp_path):
    out = export(hostile_board, tmp_path / "site")
    page = (out / "index.html").read_text()
    for name in HOSTILE.values():
        assert name not in page or "<" not in name
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "\x1b" not in page and "\\x1b[31mred" in page


# ---------------------------------------------------------------------- 5. bounded input, clear errors
def _poison_sub(d: Path, text_change) -> None:
    (d / SUB).write_text(text_change((d / SUB).read_text()))


def _poison_kwargs(d: Path, literal: str) -> None:
    sub = _sub(d)
    sub["agent"]["kwargs"] = {"seed": "@@"}
    (d / SUB).write_text(json.dumps(sub).replace('"@@"', literal))


def _poison_line(d: Path, index: int, line: str) -> None:
    lines = _lines(d)
    lines[index] = line
    (d / TRAJ).write_text("\n".join(lines) + "\n")


BAD_INPUTS = {
    "5000-digit int in submission": (lambda d: _poison_sub(d, lambda t: t.replace(
        '"format_version": 1', '"format_version": 1' + "0" * 5000)), ["submission.json", "5001 digits"]),
    "5000-digit int in an episode": (lambda d: _poison_line(d, 3, _lines(d)[3].replace(
        '"episode": 3', '"episode": ' + "9" * 5000)), ["line 4", "5000 digits"]),
    "deep nesting in submission": (lambda d: _poison_kwargs(d, "[" * 100000 + "]" * 100000),
                                   ["submission.json", "nested deeper"]),
    "deep nesting in an episode": (lambda d: _poison_line(d, 2, "[" * 200000 + "]" * 200000),
                                   ["line 3", "nested deeper"]),
    "moderate nesting in an episode": (lambda d: _poison_line(d, 2, "[" * 100 + "]" * 100),
                                       ["line 3", "nested deeper than 32"]),
    "NaN in agent.kwargs": (lambda d: _poison_kwargs(d, "NaN"), ["submission.json", "NaN"]),
    "-Infinity in agent.kwargs": (lambda d: _poison_kwargs(d, "-Infinity"), ["submission.json", "Infinity"]),
    "1e999 in agent.kwargs": (lambda d: _poison_kwargs(d, "1e999"), ["submission.json", "overflows"]),
    "env id of another Gymnasium env": (lambda d: _poison_sub(d, lambda t: t.replace(
        '"GOPO-Mgshop-v1"', '"CartPole-v1"')), ["env.id 'CartPole-v1'", "another package"]),
    "lone surrogate in the name": (lambda d: _poison_sub(d, lambda t: t.replace(
        '"name": "random"', '"name": "rand\\ud800om"')), ["submission.json", "lone surrogate"]),
    "lone surrogate in an episode": (lambda d: _poison_line(d, 1, _lines(d)[1].replace(
        '"scenario_id": "mgshop-v1-test-0001"', '"scenario_id": "mgshop-v1-test-0001\\udc80"')),
        ["line 2", "lone surrogate"]),
    "invalid UTF-8": (lambda d: (d / TRAJ).write_bytes(b"\xff\xfe{}\n"), ["line 1", "not UTF-8"]),
    "a JSON array instead of an object": (lambda d: _poison_sub(d, lambda t: "[1, 2]"),
                                          ["submission.json", "JSON object"]),
    "too many lines": (lambda d: (d / TRAJ).write_text((d / TRAJ).read_text() + _lines(d)[0] + "\n"),
                       ["line 121", "more episodes than the protocol's 120"]),
    "too many blank lines": (lambda d: (d / TRAJ).write_text((d / TRAJ).read_text() + "\n" * 1000),
                             ["more than 256 blank lines"]),
    "a line over the limit": (lambda d: _poison_line(d, 0, " " * (MAX_LINE_BYTES + 5) + "{}"),
                              ["line 1", "per-episode limit"]),
    "a FIFO instead of a file": (lambda d: ((d / TRAJ).unlink(), os.mkfifo(d / TRAJ)),
                                 ["trajectories.jsonl", "not a regular file"]),
}


@pytest.mark.parametrize("attack", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_malformed_input_is_a_clear_error_not_a_traceback(small, tmp_path, attack):
    change, expected = BAD_INPUTS[attack]
    d = _copy(small, tmp_path / "sub")
    change(d)
    db = tmp_path / "lb.db"
    _rejected(d, db, *expected)
    assert store.counts(db)["submissions"] == 0
    r = subprocess.run([sys.executable, "-m", "leaderboard.cli", "submit", str(d), "--db", str(db),
                        "--no-progress"], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert r.returncode == 1 and "Traceback" not in r.stderr and "rejected" in r.stderr, r.stderr


def test_symlinks_out_of_the_submission_directory_are_not_followed(small, tmp_path):
    secret = tmp_path / "secret.jsonl"
    shutil.copy(small / TRAJ, secret)
    d = _copy(small, tmp_path / "sub")
    (d / TRAJ).unlink()
    (d / TRAJ).symlink_to(secret)
    _rejected(d, tmp_path / "lb.db", "symbolic link")
    d2 = _copy(small, tmp_path / "sub2")
    (d2 / SUB).unlink()
    (d2 / SUB).symlink_to(small / SUB)
    _rejected(d2, tmp_path / "lb.db", "symbolic link")


def test_lone_surrogate_from_a_lenient_agent_does_not_lose_the_run(tmp_path):
    class Surrogate:
        roles = ("service",)

        def reset(self, seed=None):
            self.n = 0

        def act(self, role, observation, info):
            self.n += 1
            return "Hello\ud800 and welcome!" if self.n == 1 else "What are you looking for?"

    d = tmp_path / "lenient"
    evaluate("tests:Surrogate", d, agent=Surrogate(), strict=False, trials=1)
    first = json.loads(_lines(d)[0])["turns"][0]
    assert first["response"] == "Hello\x00 and welcome!" and "invalid_response" in first["violations"]
    entry, verified = store.submit(d, tmp_path / "lb.db")  # replay reproduces the violation
    assert entry == 1 and verified.count == 120


def _peak(fn) -> int:
    tracemalloc.start()
    with contextlib.suppress(SubmissionError):
        fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


class Verbose:
    """A service agent writing ~1,900-character responses: a large, valid submission."""

    roles = ("service",)
    FILLER = " ".join(f"word{i}" for i in range(300))

    def reset(self, seed=None):
        pass

    def act(self, role, observation, info):
        return ("What are you looking for today? " + self.FILLER)[:1900]


def test_peak_memory_is_bounded_whatever_the_input(small, tmp_path):
    """Measured with tracemalloc; the bound is stated in docs/submission.md."""
    big = tmp_path / "verbose"
    evaluate("tests:Verbose", big, agent=Verbose())  # 360 episodes of long responses
    size_small, size_big = (small / TRAJ).stat().st_size, (big / TRAJ).stat().st_size
    assert size_big > 15 * size_small
    peak_small = _peak(lambda: validate(small))
    peak_big = _peak(lambda: validate(big))
    # streaming: the peak grows by at most the distinct-n buffers (2 orders x 64 Ki x 8 bytes
    # before a fold), not with the file; reading the file whole would add more than size_big
    assert peak_big - peak_small < min(2 << 20, 0.3 * size_big), (peak_small, peak_big, size_big)
    assert peak_big < 32 << 20
    # 511 MiB without a newline (sparse): refused by its size before any read
    d = _copy(small, tmp_path / "huge")
    with open(d / TRAJ, "wb") as f:
        f.truncate(511 << 20)
    assert _peak(lambda: validate(d)) < 4 << 20
    with pytest.raises(SubmissionError, match="over the limit"):
        validate(d)
    # 100 MiB without a newline, under the size cap: one bounded line is read, then refused
    with open(d / TRAJ, "wb") as f:
        f.truncate(100 << 20)
    assert _peak(lambda: validate(d)) < 3 * MAX_LINE_BYTES + (4 << 20)
    with pytest.raises(SubmissionError, match="per-episode limit"):
        validate(d)


# ---------------------------------------------------------------------- 6. storage
def _kill_mid_transaction(db: Path) -> None:
    """A writer that dies (SIGKILL) after writing many rows, before COMMIT."""
    code = f"""
import os, signal, sqlite3
con = sqlite3.connect({str(db)!r}, isolation_level=None)
con.execute("PRAGMA cache_size = 1")  # spill pages to the journal / WAL before the commit
con.execute("BEGIN IMMEDIATE")
for i in range(3000):
    con.execute("INSERT INTO episodes VALUES (1, ?, 'x', 0, 0, '{{}}', ?)", (100000 + i, 'y' * 500))
os.kill(os.getpid(), signal.SIGKILL)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert r.returncode == -signal.SIGKILL


@pytest.mark.parametrize("mode", ["wal", "legacy-rollback-journal"])
def test_readers_work_after_an_interrupted_write(small, tmp_path, mode):
    db = tmp_path / "lb.db"
    store.submit(small, db)
    if mode != "wal":
        with sqlite3.connect(db) as con:
            con.execute("PRAGMA journal_mode = DELETE")
    before = store.counts(db)
    _kill_mid_transaction(db)
    assert (mode == "wal") == Path(f"{db}-wal").exists() or mode != "wal"
    assert store.counts(db) == before  # readers see the last committed state
    assert "random" in report.text_table(db)
    export(db, tmp_path / "site")
    assert main(["leaderboard", "--db", str(db)]) == 0


def test_the_database_uses_wal(small, tmp_path):
    db = tmp_path / "lb.db"
    store.submit(small, db)
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("folder", ["a#b", "a?b", "a%20b", "a%b", "file:x", "sp ace", "ünï"])
def test_any_path_works_as_the_database(small, tmp_path, folder):
    db = tmp_path / folder / "lb?#%.db"
    store.submit(small, db)
    assert store.counts(db)["submissions"] == 1 and report.ranked(db)[0]["name"] == "random"
    assert sorted(p.name for p in (tmp_path / folder).iterdir() if not p.name.endswith(("-wal", "-shm"))) \
        == ["lb?#%.db"]  # no stray file beside it
    assert not any(p.name in ("a", "file") for p in tmp_path.iterdir() if p.name != folder)


def test_unwritable_database_and_output_paths_are_clear_errors(small, tmp_path, capsys):
    """A path under a regular file cannot be created, even by root; chmod adds the permission case."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    blocked = [afile]
    locked = tmp_path / "locked"
    if os.geteuid() != 0:  # root ignores permissions
        locked.mkdir()
        locked.chmod(0o500)
        blocked.append(locked)
    db = tmp_path / "lb.db"
    store.submit(small, db)
    try:
        for where in blocked:
            assert main(["submit", str(small), "--db", str(where / "sub" / "lb.db"), "--no-progress"]) == 1
            assert "cannot open the database" in capsys.readouterr().err
            assert main(["leaderboard", "export", "--db", str(db), "--out", str(where / "site")]) == 1
            assert "cannot write the site" in capsys.readouterr().err
            assert main(["evaluate", "--agent", "baselines.random_agent:RandomAgent", "--trials", "1",
                         "--out", str(where / "run"), "--no-progress", "--in-process"]) == 1
            assert "cannot write the submission" in capsys.readouterr().err
    finally:
        if locked.exists():
            locked.chmod(0o700)
    (tmp_path / "notadb").write_text("hello")
    assert main(["leaderboard", "--db", str(tmp_path / "notadb")]) == 1
    assert "cannot read the database" in capsys.readouterr().err
    assert main(["leaderboard", "--db", str(afile / "x.db")]) == 0  # no board there yet: said so


# ---------------------------------------------------------------------- 7. web server
@pytest.fixture
def server(small, tmp_path):
    db = tmp_path / "lb.db"
    store.submit(small, db)
    site = export(db, tmp_path / "site")
    srv = make_server(site, port=0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()


def _raw(srv, request: bytes, wait: float = 10.0) -> bytes:
    with socket.create_connection(srv.server_address, timeout=wait) as s:
        s.sendall(request)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


@pytest.mark.parametrize("path", ["/%00", "/index.html%00.png", "/%ff%fe", "/..%2f..%2fetc/passwd",
                                  "/a/../../x", "/%2e%2e/"])
def test_malformed_urls_are_answered_with_400(server, path):
    reply = _raw(server, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert reply.startswith(b"HTTP/1.1 400") or reply.startswith(b"HTTP/1.1 404"), reply[:80]
    if "%00" in path or "%ff" in path:
        assert reply.startswith(b"HTTP/1.1 400")


def test_garbage_request_is_answered_and_the_server_lives_on(server):
    reply = _raw(server, b"\x00\x01garbage\r\n\r\n")
    assert reply == b"" or reply.startswith(b"HTTP/1.")
    ok = _raw(server, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert ok.startswith(b"HTTP/1.1 200") and b"x-content-type-options: nosniff" in ok.lower()


def test_idle_connections_are_closed(server, monkeypatch):
    from leaderboard import site

    assert site.SERVER_TIMEOUT_S <= 30
    with socket.create_connection(server.server_address, timeout=site.SERVER_TIMEOUT_S + 30) as s:
        s.sendall(b"GET / HTTP/1.1\r\n")  # never finished
        started = time.monotonic()
        data = s.recv(1024)
        while data:
            data = s.recv(1024)
        assert time.monotonic() - started < site.SERVER_TIMEOUT_S + 10  # checked every 5 s


def test_serve_binds_localhost_and_reports_a_port_in_use(small, tmp_path, capsys):
    db = tmp_path / "lb.db"
    store.submit(small, db)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["leaderboard", "serve", "--db", str(db), "--port", str(port)]) == 1
    assert "port in use" in capsys.readouterr().err
    srv = make_server(tmp_path, port=0)
    assert srv.server_address[0] == "127.0.0.1"
    srv.shutdown()


# ---------------------------------------------------------------------- 9. reference entries
def test_seed_fills_a_fresh_board_with_verified_reference_entries(tmp_path, capsys):
    db = tmp_path / "lb.db"
    assert main(["leaderboard", "seed", "--db", str(db), "--work", str(tmp_path / "ref"),
                 "--no-progress"]) == 0
    rows = report.ranked(db)
    assert [r["name"] for r in rows] == ["scripted SOP", "random"]
    assert all(r["track"] == "standard" and report.status(r).startswith("verified") for r in rows)
    assert main(["leaderboard", "seed", "--db", str(db), "--work", str(tmp_path / "ref"),
                 "--no-verify", "--no-progress"]) == 0
    assert "already stored" in capsys.readouterr().out and store.counts(db)["submissions"] == 2
    assert main(["verify", str(tmp_path / "ref" / "random"), "--db", str(db), "--fresh-seed", "5",
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "reproduced exactly" in out and "fresh scenarios (seed 5)" in out
    assert main(["verify", str(tmp_path / "nowhere"), "--db", str(db), "--no-progress"]) == 1
    assert "cannot verify" in capsys.readouterr().err


# ---------------------------------------------------------------------- issue 17 item 5
def test_random_wins_no_column_and_text_metrics_only_where_they_inform(tmp_path):
    db = tmp_path / "lb.db"
    for spec, name in (("baselines.random_agent:RandomAgent", "random"),
                       ("baselines.scripted:ScriptedSOPAgent", "scripted")):
        evaluate(spec, tmp_path / name, trials=1, name=name)
        store.submit(tmp_path / name, db)
    rows = report.ranked(db)
    assert [r["name"] for r in rows] == ["scripted", "random"]  # ranked by TSE only
    for r in rows:  # expert-only entries: the text is the built-in writer's
        for metric in report.TEXT_METRICS:
            assert report.metric_cell(r, metric) == report.BUILTIN
        assert "bleu" not in r["metrics"]
    table = report.text_table(db)
    assert "n/a (built-in writer)" in table
    # every shown numeric column where random beats scripted is not a ranking column
    for metric in ("tse", "success", "esndcg"):
        assert rows[0]["metrics"][metric]["mean"] > rows[1]["metrics"][metric]["mean"]


def test_generation_metrics_use_real_assistant_turns(mgshopdial_dir, tmp_path, monkeypatch):
    from leaderboard import metrics as M

    monkeypatch.setenv("GOPO_DATA_DIR", str(mgshopdial_dir.parent))
    M._REFERENCES.clear()
    refs = M.generation_references("GOPO-Mgshop-v0")
    assert refs is not None and all(refs[s] for s in range(len(refs)))
    realizer = M.realizer_references("GOPO-Mgshop-v0")
    assert not set(realizer[0]) & set(refs[0])  # not the built-in writer's templates
    from test_leaderboard_runner import TemplateService

    d = tmp_path / "service"
    evaluate("tests.test_leaderboard_runner:TemplateService", d, agent=TemplateService(), trials=1)
    entry, verified = store.submit(d, tmp_path / "lb.db")
    assert 0.0 <= verified.metrics["bleu"]["mean"] <= 1.0 and verified.metrics["rouge_l"]["n"] == 120
    [row] = report.ranked(tmp_path / "lb.db")
    assert isinstance(report.metric_cell(row, "bleu"), dict)
    assert report.metric_cell(row, "gre") != report.BUILTIN
    M._REFERENCES.clear()
