#!/usr/bin/env python3
"""Opens rvprof's flame graph in a real headless Chromium and uses it as a person would.

  flamegraph_browser_test.py SVG FOLDED

SVG is a flamegraph.svg written by rvprof's writer, FOLDED the profile.folded written next
to it (the expected search share is computed from it, independently of the SVG's script).
Chromium is driven through the DevTools protocol (a minimal WebSocket client below, so
only the standard library is needed). Real mouse events are dispatched at the elements'
on-screen positions; the search prompt is answered through the protocol's dialog handler.
It requires:
  1. a click on a frame narrower than the root zooms: that frame is drawn full width at the
     left edge, and frames outside it are hidden;
  2. a click on "Reset Zoom" restores every frame's original position and width;
  3. Search for "^fib$": every frame named fib (and only those) is drawn highlighted, and
     "Matched: N%" shows the share of the total time under fib frames, equal (to 0.1) to
     the share computed from the folded stacks;
  4. hovering a frame shows its full name and figures in the details line.
Exit status 0 on success; a failure prints what was seen. Never hangs: every wait is
bounded (Chromium is killed at the end or after 120 s).
"""
import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

TIMEOUT_S = 120


def fail(msg):
    print("flamegraph_browser_test: FAIL: " + msg)
    sys.exit(1)


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: text frames, client masking."""

    def __init__(self, url):
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", url)
        self.sock = socket.create_connection((m.group(1), int(m.group(2))), timeout=TIMEOUT_S)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
               % (m.group(3), m.group(1), m.group(2), key))
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                fail("DevTools closed the connection during the handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            fail("WebSocket handshake refused: %r" % head[:200])

    def _recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                fail("DevTools connection closed")
            data += chunk
        return data

    def send(self, text):
        payload = text.encode()
        header = bytes([0x81])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._recv_exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._recv_exact(8))[0]
            payload = self._recv_exact(n)
            if b0 & 0x0F == 0x8:
                fail("DevTools closed the WebSocket")
            if b0 & 0x0F in (0x9, 0xA):  # ping/pong: not used by Chromium here
                continue
            message += payload
            if b0 & 0x80:
                return message.decode()


class Page:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    fail("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, method):
        deadline = time.time() + TIMEOUT_S
        while time.time() < deadline:
            for i, ev in enumerate(self.events):
                if ev.get("method") == method:
                    return self.events.pop(i)
            self.events.append(json.loads(self.ws.recv()))
        fail("no %s event" % method)

    def js(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in r:
            fail("script error: %s" % r["exceptionDetails"])
        return r["result"].get("value")

    def click(self, x, y, wait_dialog=False):
        self.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
        self.call("Input.dispatchMouseEvent", type="mousePressed", x=x, y=y, button="left",
                  clickCount=1)
        if wait_dialog:
            # mouseReleased does not answer while a prompt is open: send it and collect
            # its reply after the dialog is handled.
            self.next_id += 1
            rid = self.next_id
            self.ws.send(json.dumps({"id": rid, "method": "Input.dispatchMouseEvent", "params": {
                "type": "mouseReleased", "x": x, "y": y, "button": "left", "clickCount": 1}}))
            return rid
        self.call("Input.dispatchMouseEvent", type="mouseReleased", x=x, y=y, button="left",
                  clickCount=1)
        return None


FRAMES_JS = """JSON.stringify([].slice.call(document.querySelectorAll('g.frame')).map(function (g) {
  var r = g.querySelector('rect'), b = r.getBoundingClientRect();
  return {name: g.getAttribute('data-name'), level: +g.getAttribute('data-l'),
          x: +r.getAttribute('x'), w: +r.getAttribute('width'), fill: r.getAttribute('fill'),
          shown: g.style.display !== 'none', cx: b.left + b.width / 2, cy: b.top + b.height / 2};
}))"""


def center_of(page, element_id):
    return page.js("(function(){var b=document.getElementById('%s').getBoundingClientRect();"
                   "return [b.left+b.width/2, b.top+b.height/2];})()" % element_id)


def folded_share(path, name):
    total = matched = 0
    with open(path) as fh:
        for line in fh:
            stack, _, value = line.rstrip("\n").rpartition(" ")
            total += int(value)
            if name in stack.split(";"):
                matched += int(value)
    return 100.0 * matched / total if total else 0.0


def main():
    if len(sys.argv) != 3:
        fail("usage: flamegraph_browser_test.py SVG FOLDED")
    svg, folded = os.path.abspath(sys.argv[1]), sys.argv[2]
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        fail("chromium not found: run scripts/setup.sh (Debian package chromium)")
    profile_dir = tempfile.mkdtemp(prefix="rvjit-chromium-")
    args = [chromium, "--headless", "--disable-gpu", "--no-first-run", "--remote-debugging-port=0",
            "--remote-allow-origins=*", "--user-data-dir=" + profile_dir,
            "--window-size=1300,400", "about:blank"]
    if os.geteuid() == 0:
        args.insert(1, "--no-sandbox")  # Chromium refuses to run its sandbox as root
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        run(proc, svg, folded)
    finally:
        proc.kill()
        proc.wait(timeout=30)
        shutil.rmtree(profile_dir, ignore_errors=True)


def run(proc, svg, folded):
    deadline = time.time() + TIMEOUT_S
    browser_ws = None
    stderr_seen = []
    while time.time() < deadline and browser_ws is None:
        line = proc.stderr.readline()
        if not line:
            fail("chromium exited before DevTools listened: %s" % "".join(stderr_seen[-20:]))
        stderr_seen.append(line)
        m = re.search(r"DevTools listening on (ws://\S+)", line)
        if m:
            browser_ws = m.group(1)
    if browser_ws is None:
        fail("no DevTools endpoint within %d s" % TIMEOUT_S)
    port = re.match(r"ws://[^:]+:(\d+)/", browser_ws).group(1)
    with urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port, timeout=30) as r:
        targets = json.load(r)
    page_target = next(t for t in targets if t.get("type") == "page")
    page = Page(WebSocket(page_target["webSocketDebuggerUrl"]))
    page.call("Page.enable")
    page.call("Page.navigate", url="file://" + svg)
    page.wait_event("Page.loadEventFired")

    before = json.loads(page.js(FRAMES_JS))
    if len(before) < 3:
        fail("expected at least 3 frames, saw %d" % len(before))
    root = next(f for f in before if f["level"] == 0)
    # 1. Zoom: click the widest frame that is narrower than the root and not at level 0.
    candidates = [f for f in before if f["level"] > 0 and f["w"] < root["w"] * 0.95 and f["w"] > 4]
    if not candidates:
        fail("no frame narrower than the root to click: %s" % before)
    target = max(candidates, key=lambda f: f["w"])
    page.click(target["cx"], target["cy"])
    zoomed = json.loads(page.js(FRAMES_JS))
    z = next(f for f in zoomed if f["name"] == target["name"] and f["level"] == target["level"])
    if abs(z["w"] - root["w"]) > 0.5 or abs(z["x"] - root["x"]) > 0.5:
        fail("after clicking %s (x %.1f, w %.1f) it is drawn at x %.1f w %.1f, expected the "
             "root's x %.1f w %.1f" % (target["name"], target["x"], target["w"], z["x"], z["w"],
                                       root["x"], root["w"]))
    hidden = [f["name"] for f in zoomed if not f["shown"]]
    if not hidden:
        fail("zoom hid no frame outside %s" % target["name"])
    if zoomed == before:
        fail("nothing drawn changed after the click")
    print("zoom: %s went from x %.1f w %.1f to x %.1f w %.1f; %d frames hidden" %
          (target["name"], target["x"], target["w"], z["x"], z["w"], len(hidden)))

    # 2. Reset Zoom restores every frame.
    rx, ry = center_of(page, "reset")
    page.click(rx, ry)
    reset = json.loads(page.js(FRAMES_JS))
    for a, b in zip(before, reset):
        if abs(a["x"] - b["x"]) > 0.01 or abs(a["w"] - b["w"]) > 0.01 or not b["shown"]:
            fail("after Reset Zoom %s is at x %.2f w %.2f (shown %s), was x %.2f w %.2f" %
                 (a["name"], b["x"], b["w"], b["shown"], a["x"], a["w"]))
    print("reset: all %d frames back where they were" % len(reset))

    # 3. Search "^fib$" (a regular expression) through the Search button and the prompt it opens.
    sx, sy = center_of(page, "search")
    rid = page.click(sx, sy, wait_dialog=True)
    page.wait_event("Page.javascriptDialogOpening")
    page.call("Page.handleJavaScriptDialog", accept=True, promptText="^fib$")
    while not any(e.get("id") == rid for e in page.events):
        page.events.append(json.loads(page.ws.recv()))
    found = json.loads(page.js(FRAMES_JS))
    for f in found:
        highlighted = f["fill"] == "rgb(230,0,230)"
        if highlighted != (f["name"] == "fib"):
            fail("after searching fib, %s is %shighlighted" % (f["name"], "" if highlighted else "not "))
    shown = page.js("document.getElementById('matched').textContent")
    m = re.match(r"Matched: ([0-9.]+)%$", shown or "")
    if not m:
        fail("matched line says %r" % shown)
    expected = folded_share(folded, "fib")
    if abs(float(m.group(1)) - expected) > 0.1 + 1e-9:
        fail("matched %s%%, the folded stacks give %.2f%%" % (m.group(1), expected))
    print("search: %s (folded stacks: %.2f%%)" % (shown, expected))

    # 4. Hover shows the full name and figures.
    page.call("Input.dispatchMouseEvent", type="mouseMoved", x=target["cx"], y=target["cy"])
    details = page.js("document.getElementById('details').textContent")
    if not details.startswith(target["name"] + " (") or "calls" not in details:
        fail("hover details say %r" % details)
    print("hover: %s" % details)
    print("flamegraph_browser_test: PASS")


if __name__ == "__main__":
    main()
