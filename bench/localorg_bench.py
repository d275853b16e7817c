"""Benchmark: pull 50,000 Leads from localorg through unmodified simple-salesforce (REST paging and Bulk 2.0).

Run: .venv/bin/python bench/localorg_bench.py [--records 50000]
Twice: with the org in this process (how pytest runs it: client and server share one GIL) and with the
org as its own process (`python -m localorg serve`, how the console's demo mode runs it). Each time the
same pull is repeated against a floor server: a minimal stdlib HTTPS server that replays the response
bytes localorg just sent (query pages with their nextRecordsUrl, the Bulk 2.0 job and CSV pages with
Sforce-Locator), so it does nothing but HTTP and TLS. Prints records/s of both, localorg/floor (the share
of the client-side ceiling localorg reaches on this machine now) and the ratio to the 20,000 records/s
target. Not a test.
"""
from __future__ import annotations

import argparse
import json
import pickle
import random
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET = 20_000.0
FIELDS = "Id, FirstName, LastName, Company, Email, Website, Industry, NumberOfEmployees, AnnualRevenue, Phone, Title, Status, OwnerId, SystemModstamp"
INDUSTRIES = ["Banking", "Energy", "Retail", "Technology", "Healthcare", None, None]


def seed_leads(handle: object, count: int, owner_id: str) -> None:
    """Insert `count` synthetic Leads through the Org API (system insert: no per-record validation)."""
    rng = random.Random(7)
    batch = []
    for i in range(count):
        company = f"Bench Company {i:05d}"
        batch.append({"FirstName": f"First{i}", "LastName": f"Last{i}", "Company": company,
                      "Email": f"person{i}@bench{i % 977}.example", "Website": f"bench{i % 977}.example" if i % 3 else None,
                      "Industry": rng.choice(INDUSTRIES), "NumberOfEmployees": rng.choice([None, 10, 250, 5000]),
                      "AnnualRevenue": rng.choice([None, 1.5e6, 2.0e7]), "Phone": None if i % 2 else "+1 555 0100",
                      "Title": "Head of Bench", "Status": "Open - Not Contacted", "OwnerId": owner_id})
        if len(batch) == 5000:
            handle.org.insert_system("Lead", batch, by=owner_id)  # type: ignore[attr-defined]
            batch = []
    if batch:
        handle.org.insert_system("Lead", batch, by=owner_id)  # type: ignore[attr-defined]


def pull(sf: object, records: int) -> tuple[list[tuple[str, float]], dict[str, bytes]]:
    """Time query_all (REST paging) and a bulk2 query of every Lead.

    Returns (label, seconds) per path and every response as raw bytes keyed by "METHOD /path?query"."""
    captured: list = []
    sf.session.hooks["response"].append(lambda resp, *args, **kwargs: captured.append(resp))  # type: ignore[attr-defined]
    soql = f"SELECT {FIELDS} FROM Lead"
    t0 = time.perf_counter()
    rest = sf.query_all(soql)  # type: ignore[attr-defined]
    rest_s = time.perf_counter() - t0
    assert rest["totalSize"] == records == len(rest["records"]), rest["totalSize"]
    t0 = time.perf_counter()
    rows = 0
    for page in sf.bulk2.Lead.query(soql, max_records=50_000, wait=0):  # type: ignore[attr-defined]
        rows += page.count("\n") - 1
    bulk_s = time.perf_counter() - t0
    assert rows == records, rows
    pages = {f"{r.request.method} {r.request.path_url}": raw_response(r) for r in captured}
    return [("REST query_all (2,000/page)", rest_s), ("Bulk 2.0 query (50,000/page)", bulk_s)], pages


def raw_response(resp: object) -> bytes:
    """The response as it came (status, headers, body), rendered once for the floor to write in one send."""
    head = [f"HTTP/1.1 {resp.status_code} {resp.reason}"]  # type: ignore[attr-defined]
    head += [f"{k}: {v}" for k, v in resp.headers.items()  # type: ignore[attr-defined]
             if k.lower() not in ("content-length", "connection", "transfer-encoding")]
    head.append(f"Content-Length: {len(resp.content)}")  # type: ignore[attr-defined]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + resp.content  # type: ignore[attr-defined]


class FloorHandler(BaseHTTPRequestHandler):
    """Answers a request with the bytes localorg sent for the same method and path: nothing but HTTP and TLS."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as localorg: TCP_NODELAY, one write per response
    NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def _serve(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.wfile.write(self.server.pages.get(f"{self.command} {self.path}", self.NOT_FOUND))  # type: ignore[attr-defined]

    do_GET = do_POST = do_PATCH = do_DELETE = _serve


def floor_server(pages: dict[str, bytes], cert_file: Path) -> ThreadingHTTPServer:
    """A floor server on a free loopback port, TLS as localorg sets it up, serving on a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FloorHandler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.pages = pages  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def floor_client(port: int, ca_file: str) -> object:
    """simple-salesforce on the floor, the session set up as make_sf_client sets it up."""
    from simple_salesforce import Salesforce

    from tests.fixtures.localorg import localorg_session

    return Salesforce(session_id="floor", instance_url=f"https://127.0.0.1:{port}", version="62.0",
                      session=localorg_session(SimpleNamespace(ca_file=ca_file)))


def serve_floor(data: Path) -> None:
    """The floor as its own process: replay data/floor-pages.pickle, print {"port": N}, serve until SIGTERM."""
    server = floor_server(pickle.loads((data / "floor-pages.pickle").read_bytes()), data / "floor-cert.pem")
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    signal.pause()


def report(where: str, records: int, org: list[tuple[str, float]], floor: list[tuple[str, float]]) -> None:
    """Two lines per path: localorg's records/s against the target, the floor's and localorg/floor."""
    for (name, org_s), (_, floor_s) in zip(org, floor, strict=True):
        org_rate, floor_rate = records / org_s, records / floor_s
        print(f"{where:12s} {name:29s} localorg {org_s:6.3f} s = {org_rate:9,.0f} records/s "
              f"= {org_rate / TARGET:4.2f}x the {TARGET:,.0f}/s target")
        print(f"{where:12s} {name:29s} floor    {floor_s:6.3f} s = {floor_rate:9,.0f} records/s "
              f"-> localorg/floor {org_rate / floor_rate:4.2f}")


def main() -> int:
    """Seed once; time the pull from localorg and from the floor, in this process (as pytest) and as own processes."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--serve-floor", type=Path, help=argparse.SUPPRESS)  # the floor's own process
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.serve_floor)
        return 0

    import trustme

    from localorg import start
    from tests.fixtures.localorg import make_sf_client

    data = Path(tempfile.mkdtemp(prefix="localorg-bench-"))
    try:
        handle = start(data, seed="empty")
        try:
            user = handle.org.user_by_username("integration@demo.test")
            t0 = time.perf_counter()
            seed_leads(handle, args.records, user.id)
            print(f"seeded {args.records:,} Leads in {time.perf_counter() - t0:.1f} s")
            org, pages = pull(make_sf_client(handle, "integration@demo.test"), args.records)
        finally:
            handle.stop()
        ca_file = str(data / "ca.pem")  # the floor's certificate comes from localorg's CA
        ca = trustme.CA.from_pem((data / "ca.pem").read_bytes(), (data / "ca-key.pem").read_bytes())
        ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(data / "floor-cert.pem"))
        floor = floor_server(pages, data / "floor-cert.pem")
        try:
            report("in-process", args.records, org, pull(floor_client(floor.server_address[1], ca_file), args.records)[0])
        finally:
            floor.shutdown()
            floor.server_close()

        proc = subprocess.Popen([sys.executable, "-m", "localorg", "serve", "--data", str(data), "--seed", "empty"],
                                stdout=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            ready = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
            remote = SimpleNamespace(instance_url=ready["instance_url"], ca_file=ready["ca_file"],
                                     client_id=ready["client_id"])
            org, pages = pull(make_sf_client(remote, "integration@demo.test"), args.records)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        (data / "floor-pages.pickle").write_bytes(pickle.dumps(pages))
        proc = subprocess.Popen([sys.executable, __file__, "--serve-floor", str(data)], stdout=subprocess.PIPE, text=True)
        try:
            port = json.loads(proc.stdout.readline())["port"]  # type: ignore[union-attr]
            report("own process", args.records, org, pull(floor_client(port, ca_file), args.records)[0])
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
