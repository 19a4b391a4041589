"""A scripted OpenAI-compatible chat-completions endpoint for tests.

It records every request (headers and JSON body) and answers from a script:
cues queued with `fake.push(...)` are used first, in order; after that
`fake.default` answers. A cue is a dict:

  {"content": "...", "stream": True}    the content as server-sent events (default)
  {"content": "...", "stream": False}   one JSON completion
  {"status": 429, "body": "...", "retry_after": 0}   an HTTP error
  {"delay": 5.0, ...}                   wait first (a slow endpoint)
  {"malformed": True}                   a body that is not JSON
  {"cut_after": 3, "content": "..."}    stream 3 tokens, then drop the connection

Usage is reported in the last event (or the completion) as prompt_tokens =
characters of the request's messages / 4, completion_tokens = tokens sent.
Run standalone (`python3 fake_openai.py`) it serves on a free port and
prints "fake-openai listening on HOST:PORT".
"""

import json
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def tokens_of(text):
    """Splits text into small pieces the way a model streams it."""
    pieces, word = [], ""
    for ch in text:
        word += ch
        if ch in " \n":
            pieces.append(word)
            word = ""
    if word:
        pieces.append(word)
    return pieces


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is visible

    def log_message(self, *args):
        pass

    def do_POST(self):
        try:
            self._answer()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a deadline): nothing to answer

    def _answer(self):
        fake = self.server.fake
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with fake.lock:
            fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                  "peer": self.client_address[1]})
        cue = fake.next_cue(body)
        if cue.get("delay"):
            if fake.released.wait(cue["delay"]):
                pass
        if "status" in cue:
            return self._send(cue["status"], cue.get("body", "error").encode(), "text/plain",
                              {"Retry-After": str(cue["retry_after"])} if "retry_after" in cue else {})
        if cue.get("malformed"):
            return self._send(200, b'{"choices": [ {"message": ', "application/json")
        content = cue.get("content", "")
        prompt_tokens = sum(len(m.get("content", "")) for m in (body or {}).get("messages", [])) // 4
        model = (body or {}).get("model", "")
        if not cue.get("stream", True) and "cut_after" not in cue:
            doc = {"id": "cmpl-1", "object": "chat.completion", "model": model,
                   "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                "finish_reason": "stop"}],
                   "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(tokens_of(content)),
                             "total_tokens": prompt_tokens + len(tokens_of(content))}}
            return self._send(200, json.dumps(doc).encode(), "application/json")
        self._stream(content, model, prompt_tokens, cue.get("cut_after"))

    def _send(self, status, data, content_type, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, content, model, prompt_tokens, cut_after):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def chunk(payload):
            data = ("data: %s\n\n" % payload).encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        pieces = tokens_of(content)
        for i, piece in enumerate(pieces):
            if cut_after is not None and i >= cut_after:
                self.close_connection = True
                self.wfile.flush()
                self.connection.shutdown(2)  # drop it mid-stream: no terminating chunk
                return
            chunk(json.dumps({"object": "chat.completion.chunk", "model": model,
                              "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}))
        chunk(json.dumps({"object": "chat.completion.chunk", "model": model,
                          "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
        chunk(json.dumps({"object": "chat.completion.chunk", "model": model, "choices": [],
                          "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(pieces),
                                    "total_tokens": prompt_tokens + len(pieces)}}))
        chunk("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class FakeOpenAI:
    """The fake endpoint on 127.0.0.1:<free port>, served from a thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.cues = queue.Queue()
        self.default = {"content": "## Notes\n- nothing scripted\n", "stream": True}
        self.responder = None  # optional: function(request body) -> cue, before `default`
        self.released = threading.Event()  # set to end every pending delay early
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.fake = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self):
        return "http://127.0.0.1:%d/v1" % self.httpd.server_address[1]

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def push(self, *cues):
        for cue in cues:
            self.cues.put(cue)

    def next_cue(self, body):
        try:
            return self.cues.get_nowait()
        except queue.Empty:
            pass
        if self.responder is not None:
            cue = self.responder(body)
            if cue is not None:
                return cue
        return self.default

    def bodies(self):
        with self.lock:
            return [r["body"] for r in self.requests]


if __name__ == "__main__":
    fake = FakeOpenAI().start()
    print("fake-openai listening on 127.0.0.1:%d" % fake.httpd.server_address[1], flush=True)
    try:
        fake.thread.join()
    except KeyboardInterrupt:
        fake.stop()
