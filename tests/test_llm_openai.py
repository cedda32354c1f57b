"""The OpenAI-compatible client against a stub server on 127.0.0.1 that the test starts."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agents.llm.backends import BackendError, OpenAIChatBackend


class Stub:
    """A chat-completions server answering from a script of (status, body, delay, headers)."""

    def __init__(self, script):
        self.script = list(script)
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append({"path": self.path, "body": body,
                                      "auth": self.headers.get("Authorization")})
                status, payload, delay, headers = stub.next(body)
                if delay:
                    time.sleep(delay)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.lock = threading.Lock()

    def next(self, body):
        with self.lock:
            step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        return step(body) if callable(step) else step

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def completion(text, tokens=3):
    return {"choices": [{"message": {"role": "assistant", "content": text}}],
            "usage": {"completion_tokens": tokens}}


OK = (200, completion("Hello and welcome!"), 0, {})


def backend(url, **kw):
    kw.setdefault("sleep", lambda s: None)
    return OpenAIChatBackend(url, "stub-model", api_key="k", **kw)


def test_success_sends_an_openai_request_and_returns_the_text():
    with Stub([OK]) as s:
        b = backend(s.url)
        out = b.generate(["Customer: hi\nAssistant:"], max_new_tokens=20, temperature=0.5, top_p=0.9, seed=7)
    assert out == ["Hello and welcome!"]
    req = s.requests[0]
    assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer k"
    body = req["body"]
    assert body["model"] == "stub-model" and body["max_tokens"] == 20 and body["seed"] == 7
    assert body["temperature"] == 0.5 and body["top_p"] == 0.9 and body["stop"] == ["\n"]
    assert body["messages"][-1] == {"role": "user", "content": "Customer: hi\nAssistant:"}
    assert body["messages"][0]["role"] == "system"
    assert b.stats.responses == 1 and b.stats.new_tokens == 3


def test_a_batch_keeps_its_order_under_concurrency():
    def echo(body):
        return 200, completion(body["messages"][-1]["content"].upper()), 0.01 * (body["seed"] % 3), {}

    with Stub([echo]) as s:
        out = backend(s.url, concurrency=4).generate([f"p{i}" for i in range(8)], seed=0)
    assert out == [f"P{i}" for i in range(8)]


def test_retries_after_503_with_exponential_backoff():
    waits = []
    with Stub([(503, {"error": "overloaded"}, 0, {}), (503, {"error": "overloaded"}, 0, {}), OK]) as s:
        out = backend(s.url, backoff=0.5, sleep=waits.append).generate(["hi"])
    assert out == ["Hello and welcome!"]
    assert len(s.requests) == 3 and waits == [0.5, 1.0]


def test_429_honours_retry_after():
    waits = []
    with Stub([(429, {"error": "slow down"}, 0, {"Retry-After": "2"}), OK]) as s:
        backend(s.url, sleep=waits.append).generate(["hi"])
    assert waits == [2.0]


def test_gives_up_after_max_retries_naming_url_and_status():
    with Stub([(500, {"error": "boom"}, 0, {})]) as s:
        with pytest.raises(BackendError, match=r"3 attempt\(s\) failed.*HTTP 500") as e:
            backend(s.url, max_retries=2).generate(["hi"])
        assert s.url in str(e.value) and len(s.requests) == 3


def test_a_timeout_is_retried_then_reported():
    with Stub([(200, completion("late"), 1.0, {})]) as s:
        with pytest.raises(BackendError, match="no answer within 0.2 s"):
            backend(s.url, timeout=0.2, max_retries=1).generate(["hi"])
        assert len(s.requests) == 2


def test_bad_json_is_a_clear_error_without_retry():
    with Stub([(200, b"<html>not json</html>", 0, {})]) as s:
        with pytest.raises(BackendError, match="not an OpenAI chat completion.*choices"):
            backend(s.url).generate(["hi"])
        assert len(s.requests) == 1


def test_a_client_error_fails_at_once_with_the_servers_words():
    with Stub([(404, {"error": "model 'stub-model' not found"}, 0, {})]) as s:
        with pytest.raises(BackendError, match=r"HTTP 404.*not found.*model name"):
            backend(s.url).generate(["hi"])
        assert len(s.requests) == 1


def test_no_server_is_a_connection_error():
    with Stub([OK]) as s:
        url = s.url
    with pytest.raises(BackendError, match="cannot connect|connection failed"):
        backend(url, max_retries=1).generate(["hi"])


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="http"):
        OpenAIChatBackend("127.0.0.1:8000", "m")
    with pytest.raises(ValueError, match="model"):
        OpenAIChatBackend("http://127.0.0.1:8000/v1", "")
    b = OpenAIChatBackend("http://127.0.0.1:9/v1", "m")
    with pytest.raises(TypeError, match="sequence of prompt strings"):
        b.generate("one prompt")
    with pytest.raises(ValueError, match="temperature"):
        b.generate(["x"], temperature=-1)
