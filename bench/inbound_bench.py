#!/usr/bin/env python3
"""Inbound benchmark: the built jar on a fresh database, signed WhatsApp webhooks for one tenant and for
16 tenants at several concurrencies, against PostgreSQL doing the same kind of work under pgbench in
the same run. Prints the figures and writes docs/performance.md with a chart (bench/Chart.java, XChart).

    ./mvnw -DskipTests package && python3 bench/inbound_bench.py            # about 3-4 minutes
    python3 bench/inbound_bench.py --smoke                                  # a few hundred webhooks

Measured per level: webhooks/s, acknowledgement p50/p99 (200 = committed), webhook-to-screen p50/p99
on a live WebSocket screen, gateway CPU ms per webhook (/proc), heap peak (jstat). Loopback only.
"""
import argparse, base64, glob, hashlib, hmac, http.client, json, os, re, shutil, socket, struct, subprocess
import sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DB = "inbox_gateway_bench"
XCHART = "3.8.8"


def psql(db, sql):
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-qc", sql], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def psql_value(db, sql):
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-Atc", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))]


class Screen(threading.Thread):
    """A minimal WebSocket client (RFC 6455, text frames from the server are unmasked)."""

    def __init__(self, port, tenant, key):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port))
        k = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET /events/%s?token=%s HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                           % (tenant, key, k)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise SystemExit("feed handshake failed: %r" % head)
        self.arrived = {}

    def read(self, n):
        b = b""
        while len(b) < n:
            chunk = self.sock.recv(n - len(b))
            if not chunk:
                raise EOFError
            b += chunk
        return b

    def run(self):
        try:
            while True:
                h = self.read(2)
                length = h[1] & 0x7F
                if length == 126:
                    length = struct.unpack(">H", self.read(2))[0]
                elif length == 127:
                    length = struct.unpack(">Q", self.read(8))[0]
                payload = self.read(length)
                if h[0] & 0x0F == 1:
                    now = time.perf_counter()
                    m = re.search(rb'"providerMessageId":"([^"]+)"', payload)
                    if m:
                        self.arrived[m.group(1).decode()] = now
        except (EOFError, OSError):
            pass


def body(phone_number_id, wamid, sender, text):
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "4930000",
        "phone_number_id": phone_number_id}, "contacts": [{"profile": {"name": "Bench"}, "wa_id": sender}],
        "messages": [{"from": sender, "id": wamid, "timestamp": str(int(time.time())), "type": "text",
        "text": {"body": text}}]}}]}]}, separators=(",", ":")).encode()


def drive(port, tenants, concurrency, seconds, max_count, sent_at):
    """concurrency threads, keep-alive, round-robin over tenants; returns (count, elapsed, latencies, errors)."""
    lat, errors, counter, lock = [], [0], [0], threading.Lock()
    drive.levels = getattr(drive, "levels", 0) + 1
    level = drive.levels
    deadline = time.perf_counter() + seconds

    def worker(w):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = 0
        while time.perf_counter() < deadline:
            with lock:
                if counter[0] >= max_count:
                    break
                n = counter[0]
                counter[0] += 1
            t = tenants[n % len(tenants)]
            # unique per level: a repeated id would be an idempotent re-delivery (stored once, no new event)
            wamid = "wamid.bench.%d.%d.%d.%d" % (level, concurrency, w, i)
            i += 1
            b = body(t["pnid"], wamid, "4917%07d" % (n % 5000), "Wasserschaden %d" % n)
            sig = "sha256=" + hmac.new(t["secret"], b, hashlib.sha256).hexdigest()
            start = time.perf_counter()
            try:
                conn.request("POST", "/webhooks/whatsapp", b, {"Content-Type": "application/json",
                                                               "X-Hub-Signature-256": sig})
                r = conn.getresponse()
                r.read()
                ok = r.status == 200
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            took = time.perf_counter() - start
            with lock:
                if ok:
                    lat.append(took)
                    if t is tenants[0]:  # the screen watches the first tenant: its acknowledged webhooks
                        sent_at[wamid] = start
                else:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(lat), time.perf_counter() - t0, lat, errors[0]


def cpu_seconds(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds():
    """CPU of every postgres process (server and backends): the database's share of the machine."""
    total = 0.0
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = open("/proc/%s/stat" % d).read()
            except OSError:
                continue
            if stat.split(" (", 1)[1].startswith("postgres") or stat.split(" (", 1)[1].startswith("postmaster"):
                f = stat.rsplit(")", 1)[1].split()
                # with cutime/cstime: backends that ended meanwhile are counted in the postmaster
                total += sum(int(x) for x in f[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


class HeapSampler(threading.Thread):
    """One `jstat -gc <pid> 500` for the whole run: starting a jstat JVM per sample would itself take
    a good part of a core from the machine being measured."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.samples = []  # (perf_counter, MB used)
        try:
            self.proc = subprocess.Popen(["jstat", "-gc", str(pid), "500"], stdout=subprocess.PIPE, text=True)
        except OSError:  # a JRE without jstat: no heap figure, the rest still runs
            self.proc = None

    def run(self):
        if self.proc is None:
            return
        header = None
        for line in self.proc.stdout:
            cols = line.split()
            if not cols:
                continue
            if header is None or cols[0] == "S0C":
                header = cols
                continue
            values = dict(zip(header, cols))
            try:
                mb = sum(float(values.get(k, 0)) for k in ("S0U", "S1U", "EU", "OU")) / 1024
            except ValueError:
                continue
            self.samples.append((time.perf_counter(), mb))

    def peak(self, since):
        values = [mb for at, mb in self.samples if at >= since]
        return max(values) if values else float("nan")

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()


def pgbench(seconds, clients):
    psql("postgres", "drop database if exists pglimit")
    psql("postgres", "create database pglimit")
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "pglimit", "-qf",
                    os.path.join(ROOT, "bench", "pg-limit-schema.sql")], check=True, stdout=subprocess.DEVNULL)
    pg0 = postgres_cpu_seconds()
    out = subprocess.run(["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-n", "-c", str(clients), "-j", "2", "-T",
                          str(seconds), "-f", os.path.join(ROOT, "bench", "pg-limit.sql"), "pglimit"],
                         capture_output=True, text=True).stdout
    # a backend's CPU reaches the postmaster's account only once it has exited and been reaped
    for _ in range(100):
        if psql_value("postgres", "select count(*) from pg_stat_activity where datname = 'pglimit'") == "0":
            break
        time.sleep(0.05)
    pg_cpu = postgres_cpu_seconds() - pg0
    m = re.search(r"tps = ([0-9.]+)", out)
    psql("postgres", "drop database if exists pglimit")
    tps = float(m.group(1)) if m else float("nan")
    return tps, pg_cpu * 1000 / (tps * seconds) if tps == tps and tps else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=12, help="per level")
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--smoke", action="store_true", help="a few hundred webhooks, no pgbench, no docs")
    ap.add_argument("--xmx", default="512m")
    ap.add_argument("--warmup", type=int, default=40,
                    help="seconds of load before the first level: on 2 cores the JIT compiler needs about that long")
    ap.add_argument("--java-opt", action="append", default=[], help="extra JVM option (repeatable), e.g. for a JFR recording")
    args = ap.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    seconds, max_count = args.seconds, 10 ** 9
    if args.smoke:
        levels, seconds, max_count = [1, 8], 5, 150
    jars = [j for j in glob.glob(os.path.join(ROOT, "target", "inbox-gateway-*.jar")) if not j.endswith("plain.jar")]
    if not jars:
        sys.exit("build first: ./mvnw -DskipTests package")
    port, events = free_port(), free_port()
    media = tempfile.mkdtemp(prefix="bench-media-")
    psql("postgres", "drop database if exists %s with (force)" % DB)
    log = open(os.path.join(media, "gateway.log"), "w")
    gw = subprocess.Popen(["java", "-Xmx" + args.xmx] + args.java_opt + ["-jar", jars[0], "--server.port=%d" % port,
                           "--gateway.events.port=%d" % events,
                           "--spring.datasource.url=jdbc:postgresql://localhost:5432/" + DB,
                           "--gateway.admin-token=bench-admin-token-0123",
                           "--gateway.secrets-key=" + base64.b64encode(os.urandom(32)).decode(),
                           "--gateway.media.dir=" + media, "--logging.level.root=WARN"], stdout=log, stderr=subprocess.STDOUT)
    rows, heap = [], None
    try:
        for _ in range(240):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/actuator/health")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            sys.exit("the gateway did not start; see " + log.name)
        admin = {"Authorization": "Bearer bench-admin-token-0123", "Content-Type": "application/json"}

        def post(path, payload):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("POST", path, json.dumps(payload), admin)
            r = c.getresponse()
            data = r.read()
            if r.status >= 300:
                sys.exit("%s -> %d %s" % (path, r.status, data))
            return json.loads(data)

        tenants = []
        for t in range(16):
            slug = "bench%02d" % t
            post("/admin/v1/tenants", {"slug": slug, "name": "Bench " + slug})
            secret = "bench-secret-%d" % t
            post("/admin/v1/tenants/%s/channels" % slug, {"channel": "whatsapp", "phoneNumberId": str(900000 + t),
                 "displayPhoneNumber": "+49301000%03d" % t, "appSecret": secret, "accessToken": "x", "verifyToken": "v"})
            key = post("/admin/v1/tenants/%s/api-keys" % slug, {"name": "b", "scopes": ["events:read"]})["key"]
            tenants.append({"slug": slug, "pnid": str(900000 + t), "secret": secret.encode(), "key": key})
        heap = HeapSampler(gw.pid)
        heap.start()
        screen = Screen(events, tenants[0]["slug"], tenants[0]["key"])
        screen.start()
        sent_at = {}
        # warm-up: long enough for the JIT to compile the webhook path, or the first levels measure the
        # compiler (it takes most of a core for the first minute on this kind of machine)
        drive(port, tenants, 16, 2 if args.smoke else args.warmup, 300 if args.smoke else 10 ** 9, sent_at)
        for label, group in (("1 tenant", tenants[:1]), ("16 tenants", tenants)):
            for c in levels:
                sent_at.clear()
                screen.arrived.clear()
                cpu0, gen0, pg0 = cpu_seconds(gw.pid), sum(os.times()[:2]), postgres_cpu_seconds()
                level_start = time.perf_counter()
                count, elapsed, lat, errors = drive(port, group, c, seconds, max_count, sent_at)
                cpu = cpu_seconds(gw.pid) - cpu0
                gen, pgcpu = sum(os.times()[:2]) - gen0, postgres_cpu_seconds() - pg0
                # every acknowledged webhook of the watched tenant must reach the screen: wait for them all
                settle = time.perf_counter() + 10
                while time.perf_counter() < settle and sum(1 for w in sent_at if w in screen.arrived) < len(sent_at):
                    time.sleep(0.05)
                feed = [screen.arrived[w] - sent_at[w] for w in list(screen.arrived) if w in sent_at]
                missed = len(sent_at) - len(feed)
                row = {"tenants": label, "concurrency": c, "webhooks": count, "errors": errors,
                       "per_s": count / elapsed, "ack_p50": pct(lat, 50) * 1000, "ack_p99": pct(lat, 99) * 1000,
                       "feed_p50": pct(feed, 50) * 1000, "feed_p99": pct(feed, 99) * 1000, "feed_n": len(feed), "feed_missed": missed,
                       "cpu_ms": cpu * 1000 / max(count, 1), "heap_mb": heap.peak(level_start),
                       "gen_ms": gen * 1000 / max(count, 1), "pg_ms": pgcpu * 1000 / max(count, 1)}
                rows.append(row)
                print("%-10s c=%-3d %6d webhooks %7.0f/s  ack p50 %6.1f ms p99 %6.1f ms  screen p50 %6.1f ms "
                      "p99 %6.1f ms (%d events, %d missed)  cpu ms/webhook: gateway %.2f, postgres %.2f, load generator %.2f  "
                      "heap %.0f MB  errors %d" % (
                          label, c, count, row["per_s"], row["ack_p50"], row["ack_p99"], row["feed_p50"],
                          row["feed_p99"], len(feed), missed, row["cpu_ms"], row["pg_ms"], row["gen_ms"],
                          row["heap_mb"], errors))
    finally:
        if heap is not None:
            heap.stop()
        gw.terminate()
        try:
            gw.wait(30)
        except subprocess.TimeoutExpired:
            gw.kill()
        psql("postgres", "drop database if exists %s with (force)" % DB)
        shutil.rmtree(media, ignore_errors=True)
    if args.smoke:
        print("SMOKE OK: %d levels, %d webhooks" % (len(rows), sum(r["webhooks"] for r in rows)))
        return
    measured = {c: pgbench(seconds, c) for c in levels}
    pg = {c: measured[c][0] for c in levels}
    for c in levels:
        print("pgbench  c=%-3d %7.0f tps, postgres cpu %.2f ms/transaction (bench/pg-limit.sql: one webhook's SQL "
              "per transaction)" % (c, pg[c], measured[c][1]))
    write_docs(rows, pg, {c: measured[c][1] for c in levels}, levels)


def write_docs(rows, pg, pg_cpu, levels):
    docs = os.path.join(ROOT, "docs")
    os.makedirs(docs, exist_ok=True)
    csv = os.path.join(docs, "performance.csv")
    with open(csv, "w") as f:
        f.write("series,concurrency,per_s,p99_ms\n")
        for r in rows:
            f.write("gateway %s,%d,%.1f,%.2f\n" % (r["tenants"], r["concurrency"], r["per_s"], r["ack_p99"]))
        for c in levels:
            f.write("pgbench (same SQL),%d,%.1f,\n" % (c, pg[c]))
    pattern = os.path.expanduser("~/.m2/repository/org/knowm/xchart/xchart/%s/xchart-%s.jar" % (XCHART, XCHART))
    if not glob.glob(pattern):  # from Maven Central, once: the chart is drawn by XChart
        subprocess.run([os.path.join(ROOT, "mvnw"), "-q", "dependency:get", "-Dartifact=org.knowm.xchart:xchart:" + XCHART],
                       cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
    xchart = glob.glob(pattern)
    chart = "performance.png"
    if xchart:
        subprocess.run(["java", "-cp", xchart[-1], os.path.join(ROOT, "bench", "Chart.java"), csv,
                        os.path.join(docs, chart)], check=True)
    cpus = os.cpu_count()
    with open(os.path.join(docs, "performance.md"), "w") as f:
        f.write("# Inbound performance\n\nWritten by `python3 bench/inbound_bench.py` on %s (%d cores; gateway, "
                "PostgreSQL and the load generator share the machine). Signed WhatsApp text webhooks, keep-alive, "
                "the built jar with -Xmx512m on a fresh database; a 200 means committed.\n\n" % (
                    time.strftime("%Y-%m-%d"), cpus))
        f.write("| tenants | concurrency | webhooks/s | ack p50 ms | ack p99 ms | screen p50 ms | screen p99 ms "
                "| events on screen | CPU ms/webhook: gateway / postgres / load generator | heap peak MB "
                "| pgbench tps (same run) | ratio |\n"
                "|---|---|---|---|---|---|---|---|---|---|---|---|\n")
        for r in rows:
            p = pg.get(r["concurrency"], float("nan"))
            f.write("| %s | %d | %.0f | %.1f | %.1f | %.1f | %.1f | %d of %d | %.2f / %.2f / %.2f | %.0f | %.0f | %.2f |\n" % (
                r["tenants"], r["concurrency"], r["per_s"], r["ack_p50"], r["ack_p99"], r["feed_p50"],
                r["feed_p99"], r["feed_n"], r["feed_n"] + r["feed_missed"], r["cpu_ms"], r["pg_ms"], r["gen_ms"],
                r["heap_mb"], p, r["per_s"] / p if p == p and p else float("nan")))
        f.write("\nThe screen watches the first tenant: *events on screen* counts that tenant's acknowledged webhooks "
                "whose event reached it (the run waits up to 10 s for the last ones).\n")
        f.write("\npgbench runs `bench/pg-limit.sql` (contact lookup, conversation upsert, idempotent message "
                "insert, NOTIFY; one transaction per webhook) with as many clients as the level's concurrency.\n")
        f.write("\nPostgreSQL's own CPU per pgbench transaction, same run: %s.\n" % ", ".join(
            "%.2f ms at %d clients" % (pg_cpu[c], c) for c in levels))
        top = [r for r in rows if r["concurrency"] == max(levels)]
        if top:
            r = top[-1]
            f.write("\n**Where the CPU goes.** The three processes share %d cores, so the sum of the CPU column bounds "
                    "the throughput: at %d concurrent (%s) it is %.2f ms per webhook, at most %.0f webhooks/s. "
                    "Even a gateway that used no CPU at all would be bounded by PostgreSQL's and the load "
                    "generator's share, %.2f ms, at %.0f webhooks/s.\n" % (
                        cpus, r["concurrency"], r["tenants"], r["cpu_ms"] + r["pg_ms"] + r["gen_ms"],
                        cpus * 1000 / (r["cpu_ms"] + r["pg_ms"] + r["gen_ms"]), r["pg_ms"] + r["gen_ms"],
                        cpus * 1000 / (r["pg_ms"] + r["gen_ms"])))
        if xchart:
            f.write("\n![throughput and p99 against concurrency](%s)\n" % chart)
    print("wrote docs/performance.md")


if __name__ == "__main__":
    main()
