#!/usr/bin/env python3
"""Media memory check: a 100 MB document in and out of a gateway started with a small heap.

Starts the built jar (target/inbox-gateway-*.jar) with -Xmx (default 256m) against a fresh database,
a loopback fake of the Graph API (media lookup, CDN, upload, send) in this process, and then:
  1. a signed WhatsApp webhook with a 100 MB document → the gateway downloads and stores it;
  2. GET /api/v1/media/{id} streams it back (sha256 compared);
  3. POST /api/v1/media uploads another 100 MB (chunked, no Content-Length);
  4. POST /api/v1/messages sends it (multipart upload to the fake Graph, sha256 compared).
It samples the gateway's heap with jstat while it runs and prints the figures.

Usage: python3 bench/media_memory.py [--xmx 256m] [--mb 100]   (run ./mvnw -DskipTests package first)
Everything stays on loopback; the database inbox_gateway_bench_media is dropped at the end.
"""
import argparse, base64, glob, hashlib, hmac, http.server, json, os, shutil, socket, subprocess, sys, tempfile
import threading, time, urllib.request

CHUNK = 1024 * 1024
APP_SECRET = "bench-app-secret"


def content(total):
    """Deterministic PDF-looking bytes, generated in chunks (never held whole)."""
    head = b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n"
    yield head
    block = bytes(range(256)) * (CHUNK // 256)
    left = total - len(head)
    while left > 0:
        n = min(left, CHUNK)
        yield block[:n]
        left -= n


def sha_of(total):
    h = hashlib.sha256()
    for c in content(total):
        h.update(c)
    return h.hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Graph(http.server.BaseHTTPRequestHandler):
    total = 0
    received = {}
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/v23.0/"):
            body = json.dumps({"url": "http://127.0.0.1:%d/cdn/doc" % self.server.server_port,
                               "mime_type": "application/pdf", "sha256": Graph.sha,
                               "file_size": Graph.total}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(Graph.total))
            self.end_headers()
            for c in content(Graph.total):
                self.wfile.write(c)

    def do_POST(self):
        h = hashlib.sha256()
        size = 0
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                n = int(self.rfile.readline().strip(), 16)
                if n == 0:
                    self.rfile.readline()
                    break
                data = self.rfile.read(n)
                h.update(data)
                size += len(data)
                self.rfile.readline()
        else:
            left = int(self.headers.get("Content-Length", "0"))
            while left > 0:
                data = self.rfile.read(min(left, CHUNK))
                h.update(data)
                size += len(data)
                left -= len(data)
        Graph.received[self.path] = size
        body = b'{"id":"META-UPLOAD"}' if self.path.endswith("/media") else \
            b'{"messaging_product":"whatsapp","messages":[{"id":"wamid.BENCH"}]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def call(method, url, body=None, headers=None, stream=False):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    r = urllib.request.urlopen(req, timeout=600)
    return r if stream else (r.status, r.read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xmx", default="256m")
    ap.add_argument("--mb", type=int, default=100)
    args = ap.parse_args()
    total = args.mb * 1024 * 1024
    jars = [j for j in glob.glob("target/inbox-gateway-*.jar") if not j.endswith("plain.jar")]
    if not jars:
        sys.exit("build first: ./mvnw -DskipTests package")
    Graph.total = total
    Graph.sha = sha_of(total)
    graph = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Graph)
    threading.Thread(target=graph.serve_forever, daemon=True).start()

    port, events = free_port(), free_port()
    media_dir = tempfile.mkdtemp(prefix="bench-media-")
    db = "inbox_gateway_bench_media"
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "drop database if exists " + db],
                   check=True, stdout=subprocess.DEVNULL)
    base = "http://localhost:%d" % port
    cmd = ["java", "-Xmx" + args.xmx, "-jar", jars[0], "--server.port=%d" % port,
           "--gateway.events.port=%d" % events, "--spring.datasource.url=jdbc:postgresql://localhost:5432/" + db,
           "--gateway.admin-token=bench-admin", "--gateway.secrets-key=" + base64.b64encode(os.urandom(32)).decode(),
           "--gateway.public-base-url=" + base, "--gateway.whatsapp.base-url=http://127.0.0.1:%d" % graph.server_port,
           "--gateway.media.dir=" + media_dir, "--gateway.media.max-bytes=%d" % (total + CHUNK)]
    log = open(os.path.join(media_dir, "gateway.log"), "w")
    gw = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    samples, stop = [], threading.Event()
    try:
        for _ in range(120):
            try:
                if call("GET", base + "/actuator/health")[0] == 200:
                    break
            except Exception:
                time.sleep(0.5)
        else:
            sys.exit("the gateway did not start; see " + log.name)

        def sample():
            while not stop.is_set():
                out = subprocess.run(["jstat", "-gc", str(gw.pid)], capture_output=True, text=True).stdout.split("\n")
                if len(out) > 1 and out[1].strip():
                    cols = dict(zip(out[0].split(), out[1].split()))
                    used = sum(float(cols.get(k, 0)) for k in ("S0U", "S1U", "EU", "OU")) / 1024
                    samples.append((used, float(cols.get("OU", 0)) / 1024))
                time.sleep(0.2)
        threading.Thread(target=sample, daemon=True).start()
        admin = {"Authorization": "Bearer bench-admin", "Content-Type": "application/json"}
        call("POST", base + "/admin/v1/tenants", json.dumps({"slug": "bench", "name": "Bench"}).encode(), admin)
        call("POST", base + "/admin/v1/tenants/bench/channels", json.dumps({"channel": "whatsapp",
             "phoneNumberId": "123456", "displayPhoneNumber": "+4930123456", "appSecret": APP_SECRET,
             "accessToken": "bench-token", "verifyToken": "v"}).encode(), admin)
        key = json.loads(call("POST", base + "/admin/v1/tenants/bench/api-keys", json.dumps({"name": "b",
                              "scopes": ["messaging:read", "messaging:send"]}).encode(), admin)[1])["key"]
        auth = {"Authorization": "Bearer " + key}

        hook = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
               "value": {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "4930123456",
               "phone_number_id": "123456"}, "messages": [{"from": "4917612345678", "id": "wamid.big",
               "timestamp": str(int(time.time())), "type": "document", "document": {"id": "9999",
               "mime_type": "application/pdf", "filename": "big.pdf",
               "sha256": base64.b64encode(bytes.fromhex(Graph.sha)).decode()}}]}}]}]}).encode()
        sig = "sha256=" + hmac.new(APP_SECRET.encode(), hook, hashlib.sha256).hexdigest()
        t0 = time.time()
        call("POST", base + "/webhooks/whatsapp", hook, {"Content-Type": "application/json", "X-Hub-Signature-256": sig})
        while True:
            conv = json.loads(call("GET", base + "/api/v1/conversations", None, auth)[1])["items"][0]["id"]
            item = json.loads(call("GET", base + "/api/v1/conversations/%d/messages" % conv, None, auth)[1])[
                "items"][0]["media"][0]
            if item["status"] != "pending":
                break
            time.sleep(0.2)
        t_in = time.time() - t0
        assert item["status"] == "stored" and item["sha256"] == Graph.sha, item

        t0 = time.time()
        r = call("GET", base + "/api/v1/media/" + item["id"], None, auth, stream=True)
        h = hashlib.sha256()
        while True:
            c = r.read(CHUNK)
            if not c:
                break
            h.update(c)
        t_get = time.time() - t0
        assert h.hexdigest() == Graph.sha

        t0 = time.time()
        up = json.loads(call("POST", base + "/api/v1/media?filename=big.pdf", content(total),
                             dict(auth, **{"Content-Type": "application/pdf"}))[1])
        t_up = time.time() - t0
        assert up["size"] == total and up["sha256"] == Graph.sha, up
        t0 = time.time()
        sent = json.loads(call("POST", base + "/api/v1/messages", json.dumps({"channel": "whatsapp",
                          "to": "+4917612345678", "media": {"id": up["id"]}}).encode(),
                          dict(auth, **{"Content-Type": "application/json"}))[1])
        t_send = time.time() - t0
        assert sent["status"] == "sent", sent
        uploaded = Graph.received.get("/v23.0/123456/media", 0)
        assert uploaded > total, uploaded
        stop.set()
        peak = max(s[0] for s in samples)
        old = max(s[1] for s in samples)
        print("MEDIA MEMORY (-Xmx%s, %d MB file): inbound download+store %.1f s, GET %.1f s, upload %.1f s, "
              "send (multipart to Graph) %.1f s" % (args.xmx, args.mb, t_in, t_get, t_up, t_send))
        print("MEDIA MEMORY: heap used peak %.0f MB, old generation peak %.0f MB (%d samples); gateway alive: %s"
              % (peak, old, len(samples), gw.poll() is None))
    finally:
        stop.set()
        gw.terminate()
        gw.wait(30)
        graph.shutdown()
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "drop database if exists " + db],
                       stdout=subprocess.DEVNULL)
        shutil.rmtree(media_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
