"""One command for the load test of issue 14 point 2 (see README.md in this directory).

    uv run python bench/national/load/run.py                 # copy of `national`, full run
    uv run python bench/national/load/run.py --smoke         # tiny data, 20 s, exits 1 on errors

Steps: a scratch database (a copy of the national data set, or a tiny seeded one), the
fixture (prepare.py), Redis and gunicorn with the production settings plus the bare view
(bench_settings), pgbench tpcb-like on a separate database, locust headless with the mix,
then locust with approvals only; meanwhile the CPU of the gunicorn processes and of the
machine is sampled every second. Prints the table per endpoint with the ratios to the bare
view, pgbench TPS and approvals/s, and writes the same as JSON and Markdown to --out.
Loopback only; every process started here is stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
PG = "/usr/lib/postgresql/15/bin"
PG_URL = os.environ.get("LOAD_PG", "postgres://ck:ck@127.0.0.1:55432")
SECRET = "load-test-only-secret-key-" + "x7Qp2mZr9vLk4sWb8nTy3cHd6fJg1aEu5oRi0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_args() -> list[str]:
    from urllib.parse import urlparse

    u = urlparse(PG_URL)
    os.environ["PGPASSWORD"] = u.password or ""
    return ["-h", u.hostname, "-p", str(u.port or 5432), "-U", u.username]


def psql(sql: str, db: str = "postgres") -> str:
    return subprocess.run(
        [f"{PG}/psql", *pg_args(), "-d", db, "-Atqc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def server_env(db: str, redis_port: int) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"{PG_URL}/{db}",
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT / 'src'}",
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "CK_PAYEE_NAME": "Stichting Cultuurkaartcentrale",
        "CK_PAYEE_IBAN": "NL91ABNA0417164300",
        "CK_PAYEE_BIC": "ABNANL2A",
        "CK_PAYEE_KVK": "12345678",
        "CK_PAYEE_VAT_NUMBER": "NL123456789B01",
        "LOG_LEVEL": "WARNING",
    }


def make_database(args) -> str:
    """The scratch database the server uses: a fresh copy each run (approvals and
    activations change it)."""
    db = args.db
    if not db.startswith("load_"):
        raise SystemExit("the scratch database's name must start with load_")
    psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    if args.smoke or args.seed:
        psql(f"CREATE DATABASE {db}")
    else:
        if not psql(f"SELECT 1 FROM pg_database WHERE datname = '{args.source}'"):
            raise SystemExit(f"no database {args.source}: run bench/national/generate.py first")
        say(f"copying {args.source} into {db} (createdb -T)")
        psql(f"CREATE DATABASE {db} TEMPLATE {args.source}")
    return db


class CpuSampler(threading.Thread):
    """Every second: CPU of the gunicorn process tree (percent of one core, summed), of the
    PostgreSQL backends of this run's databases, and the machine's busy share of all cores.
    A backend that ends between two samples loses its last second (pgbench's are short)."""

    def __init__(self, gunicorn_pid: int, databases: tuple[str, ...]):
        super().__init__(daemon=True)
        self.root = psutil.Process(gunicorn_pid)
        # Backends show "postgres: USER DATABASE HOST(PORT) STATE" as their command line:
        # only those of this run's databases count (other work shares the server).
        self.databases = {f" {db} " for db in databases}
        self.samples: list[dict] = []
        self.stop = threading.Event()
        self.phase = "idle"

    @staticmethod
    def _cpu(procs) -> dict[int, float]:
        out = {}
        for p in procs:
            try:
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
            except psutil.Error:
                pass
        return out

    @staticmethod
    def _delta(now: dict[int, float], last: dict[int, float]) -> float:
        """CPU seconds used since the last sample by the processes alive now (a process new
        since then counts with all it used; one that ended loses its last second)."""
        return sum(value - last.get(pid, 0.0) for pid, value in now.items())

    def _postgres(self):
        found = []
        for p in psutil.process_iter(["name", "cmdline"]):
            line = " ".join(p.info["cmdline"] or []) + " "
            if p.info["name"] == "postgres" and any(db in line for db in self.databases):
                found.append(p)
        return found

    def run(self) -> None:
        psutil.cpu_percent(None)
        last = None
        while not self.stop.wait(1.0):
            web = [self.root, *self.root.children(recursive=True)]
            now = (time.monotonic(), self._cpu(web), self._cpu(self._postgres()))
            machine = psutil.cpu_percent(None)
            if last is not None:
                span = now[0] - last[0]
                self.samples.append(
                    {
                        "phase": self.phase,
                        "gunicorn_pct_of_one_core": 100 * self._delta(now[1], last[1]) / span,
                        "postgres_pct_of_one_core": 100 * self._delta(now[2], last[2]) / span,
                        "machine_busy_pct": machine,
                    }
                )
            last = now

    def summary(self, phase: str, skip: int = 3) -> dict:
        rows = [s for s in self.samples if s["phase"] == phase][skip:]
        if not rows:
            return {}
        cores = psutil.cpu_count()

        def mean(key):
            return sum(r[key] for r in rows) / len(rows)

        return {
            "seconds": len(rows),
            "cores": cores,
            "gunicorn_pct_of_machine": mean("gunicorn_pct_of_one_core") / cores,
            "postgres_pct_of_machine": mean("postgres_pct_of_one_core") / cores,
            "server_pct_of_machine": (
                mean("gunicorn_pct_of_one_core") + mean("postgres_pct_of_one_core")
            )
            / cores,
            "machine_busy_pct": mean("machine_busy_pct"),
            "seconds_server_ge_80": sum(
                1
                for r in rows
                if (r["gunicorn_pct_of_one_core"] + r["postgres_pct_of_one_core"]) / cores >= 80
            ),
        }


def pgbench(args, seconds: int) -> dict:
    db = "load_pgbench"
    psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    psql(f"CREATE DATABASE {db}")
    subprocess.run(
        [f"{PG}/pgbench", *pg_args(), "-i", "-q", "-s", str(args.pgbench_scale), db],
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        [
            f"{PG}/pgbench",
            *pg_args(),
            "-c",
            "8",
            "-j",
            "2",
            "-T",
            str(seconds),
            "-b",
            "tpcb-like",
            db,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    psql(f"DROP DATABASE {db}")
    tps = float(
        re.search(r"tps = ([\d.]+) \((?:without initial connection time|excluding)", out)[1]
    )
    return {"tps": tps, "clients": 8, "seconds": seconds, "scale": args.pgbench_scale}


# Each locust run gets its own share of the one-use items (a code or a pending web order is
# never sent twice, also not by a later run).
SHARES = {"warmup": (0.15, 0.25), "mix": (0.45, 0.75), "approve": (0.40, 0.0)}


def phase_fixture(fixture: Path, phase: str) -> Path:
    data = json.loads(fixture.read_text())
    for key, index in (("pending", 0), ("codes", 1)):
        items, start = data[key], 0
        for name, shares in SHARES.items():
            size = int(len(items) * shares[index])
            if name == phase:
                data[key] = items[start : start + size]
                break
            start += size
    out = fixture.with_name(f"fixture-{phase}.json")
    out.write_text(json.dumps(data))
    return out


def locust(args, port: int, fixture: Path, prefix: Path, user_class: str, users: int, secs: int):
    phase = prefix.name
    env = {
        **os.environ,
        "LOAD_FIXTURE": str(phase_fixture(fixture, phase)),
        "LOAD_WAIT": str(args.wait),
    }
    cmd = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(args.spawn_rate),
        "-t",
        f"{secs}s",
        "--stop-timeout",
        "10",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        user_class,
    ]
    with open(f"{prefix}.log", "w", encoding="utf-8") as log:
        subprocess.run(cmd, env=env, check=False, stdout=log, stderr=subprocess.STDOUT)
    rows = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))  # noqa: SIM115
    failures = list(csv.DictReader(open(f"{prefix}_failures.csv", encoding="utf-8")))  # noqa: SIM115
    return rows, failures


def table(rows: list[dict], bare_name: str = "bare view") -> tuple[list[dict], dict]:
    def num(row, key):
        value = row.get(key, "0")
        return float(value) if value not in ("", "N/A") else 0.0

    bare = next((r for r in rows if r["Name"] == bare_name), {})
    out = []
    for r in rows:
        if r["Name"] == "Aggregated":
            continue
        item = {
            "endpoint": f"{r['Type']} {r['Name']}",
            "name": r["Name"],
            "requests": int(num(r, "Request Count")),
            "failures": int(num(r, "Failure Count")),
            "rps": num(r, "Requests/s"),
            "p50": num(r, "50%"),
            "p95": num(r, "95%"),
            "p99": num(r, "99%"),
        }
        for p, key in (("p50", "50%"), ("p95", "95%")):
            item[f"{p}_x_bare"] = item[p] / num(bare, key) if num(bare, key) else None
        out.append(item)
    agg = next(r for r in rows if r["Name"] == "Aggregated")
    return out, {
        "requests": int(num(agg, "Request Count")),
        "failures": int(num(agg, "Failure Count")),
        "rps": num(agg, "Requests/s"),
        "bare_p50": num(bare, "50%"),
        "bare_p95": num(bare, "95%"),
        "bare_p99": num(bare, "99%"),
        "bare_rps": num(bare, "Requests/s"),
    }


def ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def markdown(mix: list[dict], approvals: list[dict] | None, info: dict) -> str:
    lines = [
        "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors | p50 ÷ bare | p95 ÷ bare | p95 ≤ 50 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in sorted(mix, key=lambda r: (r["name"] != "bare view", r["name"])):
        target = (
            "–"
            if r["name"] == "bare view" or r["endpoint"].startswith("POST")
            else ("yes" if r["p95"] <= 50 else "no")
        )
        lines.append(
            f"| {r['endpoint']} | {r['requests']} | {r['rps']:.2f} | {r['p50']:.0f} | "
            f"{r['p95']:.0f} | {r['p99']:.0f} | {r['failures']} | {ratio(r['p50_x_bare'])} | "
            f"{ratio(r['p95_x_bare'])} | {target} |"
        )
    return "\n".join(lines)


def wait_for(port: int, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}/__bare__/", headers={"X-Forwarded-Proto": "https"}
            )
            urllib.request.urlopen(req, timeout=5).read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--smoke", action="store_true", help="tiny data, 20 s, few users; exit 1 on any error"
    )
    parser.add_argument("--source", default="national", help="database to copy (default national)")
    parser.add_argument("--db", default=None, help="scratch database (load_…)")
    parser.add_argument("--seed", type=int, default=0, help="seed N schools instead of copying")
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--spawn-rate", type=float, default=8)
    parser.add_argument("--duration", type=int, default=120, help="seconds of the mix")
    parser.add_argument(
        "--approve-seconds", type=int, default=30, help="approvals-only phase (0: skip)"
    )
    parser.add_argument("--approve-users", type=int, default=8)
    parser.add_argument("--wait", type=float, default=0.5, help="a user's think time: 0–WAIT s")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--warmup", type=int, default=60, help="seconds of uncounted mix first")
    parser.add_argument("--pgbench-seconds", type=int, default=30)
    parser.add_argument("--pgbench-scale", type=int, default=10)
    parser.add_argument("--pending", type=int, default=4000, help="pending web orders to approve")
    parser.add_argument("--codes", type=int, default=1500, help="activation codes")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "load")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--reuse", action="store_true", help="use --db as it is (no copy, no seed; development)"
    )
    args = parser.parse_args()
    if args.smoke:
        args.seed = args.seed or 3
        args.users, args.spawn_rate, args.duration, args.warmup = 6, 6, 20, 20
        args.approve_seconds, args.pgbench_seconds, args.pgbench_scale = 0, 5, 1
        args.pending, args.codes = 300, 100
    args.db = args.db or ("load_smoke" if args.smoke else "load_national")
    started = time.monotonic()
    args.out.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen] = []

    def stop_all(*_):
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()

    try:
        db = args.db if args.reuse else make_database(args)
        redis_port, web_port = free_port(), free_port()
        env = server_env(db, redis_port)
        manage = [sys.executable, str(ROOT / "manage.py")]
        if args.seed and not args.reuse:
            say(f"migrating {db}")
            subprocess.run(
                [*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT
            )
        if not (ROOT / "var" / "static" / "staticfiles.json").exists():
            say("collectstatic (first run only)")
            subprocess.run(
                [*manage, "collectstatic", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT
            )
        procs.append(
            subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=subprocess.DEVNULL,
            )
        )
        say("preparing the fixture (actors, activation codes, pending web orders)")
        fixture = args.out / "fixture.json"
        prep = [
            sys.executable,
            str(HERE / "prepare.py"),
            str(fixture),
            "--pending",
            str(args.pending),
            "--codes",
            str(args.codes),
        ]
        if args.seed and not args.reuse:
            prep += ["--seed", str(args.seed)]
        if args.smoke:
            prep += ["--schools", "3", "--providers", "2", "--members", "10"]
        subprocess.run(prep, env=env, check=True, cwd=HERE)

        gunicorn = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "cultuurkaart.conf.wsgi:application",
                "--bind",
                f"127.0.0.1:{web_port}",
                "--workers",
                str(args.workers),
                "--preload",
                "--backlog",
                "512",
                "--timeout",
                "120",
                "--forwarded-allow-ips",
                "127.0.0.1",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        procs.append(gunicorn)
        wait_for(web_port)
        sampler = CpuSampler(gunicorn.pid, (db, "load_pgbench"))
        sampler.start()

        say(f"pgbench tpcb-like, {args.pgbench_seconds} s (separate database, same server)")
        sampler.phase = "pgbench"
        bench = pgbench(args, args.pgbench_seconds)
        say(f"pgbench: {bench['tps']:.0f} TPS")

        # The first requests of a worker import the URLconf, templates and API schemas (tens
        # of seconds on a busy 2-core machine): a warm-up run of the same mix, not counted.
        say(f"warm-up: the mix for {args.warmup} s (not counted)")
        sampler.phase = "warmup"
        wrows, _ = locust(
            args, web_port, fixture, args.out / "warmup", "MixUser", args.users, args.warmup
        )
        sampler.phase = "idle"
        warm_errors = sum(int(r["Failure Count"]) for r in wrows if r["Name"] == "Aggregated")
        if warm_errors:
            say(f"warm-up: {warm_errors} errors (see {args.out}/warmup_failures.csv)")
        load1 = os.getloadavg()
        say(f"locust mix: {args.users} users, {args.duration} s, {args.workers} gunicorn workers")
        sampler.phase = "mix"
        rows, failures = locust(
            args, web_port, fixture, args.out / "mix", "MixUser", args.users, args.duration
        )
        sampler.phase = "idle"
        mix, mix_total = table(rows)
        load2 = os.getloadavg()
        approve_phase = None
        if args.approve_seconds:
            say(f"locust approvals only: {args.approve_users} users, {args.approve_seconds} s")
            sampler.phase = "approve"
            arows, afail = locust(
                args,
                web_port,
                fixture,
                args.out / "approve",
                "ApproveUser",
                args.approve_users,
                args.approve_seconds,
            )
            sampler.phase = "idle"
            atable, atotal = table(arows)
            approve_phase = {"rows": atable, "total": atotal, "failures": afail}
        sampler.stop.set()

        approve_mix = next((r for r in mix if r["name"].startswith("approve")), None)
        result = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": db,
            "source": None if args.seed else args.source,
            "users": args.users,
            "duration_s": args.duration,
            "wait_s": args.wait,
            "workers": args.workers,
            "cores": os.cpu_count(),
            "loadavg_before_mix": load1,
            "loadavg_after_mix": load2,
            "pgbench": bench,
            "mix": mix,
            "mix_total": mix_total,
            "mix_failures": failures,
            "cpu_mix": sampler.summary("mix"),
            "cpu_pgbench": sampler.summary("pgbench", skip=1),
            "approve_phase": approve_phase,
            "cpu_approve": sampler.summary("approve"),
        }
        (args.out / "result.json").write_text(json.dumps(result, indent=2))
        report = [
            f"Load test {result['date']} on {db} ({'seeded ' + str(args.seed) + ' schools' if args.seed else 'copy of ' + args.source}), "
            f"{args.workers} gunicorn workers, {args.users} users (think time 0–{args.wait} s), {args.duration} s, "
            f"load average {load1[0]:.2f} before / {load2[0]:.2f} after the mix",
            "",
            markdown(mix, None, result),
            "",
            f"Bare view: p50 {mix_total['bare_p50']:.0f} ms, p95 {mix_total['bare_p95']:.0f} ms, "
            f"p99 {mix_total['bare_p99']:.0f} ms, {mix_total['bare_rps']:.2f} req/s. "
            f"All: {mix_total['requests']} requests, {mix_total['rps']:.1f} req/s, {mix_total['failures']} errors.",
        ]
        c = result["cpu_mix"]
        if c:
            report.append(
                f"CPU during the mix ({c['seconds']} s sampled, {c['cores']} cores): gunicorn "
                f"{c['gunicorn_pct_of_machine']:.0f} % of the machine, PostgreSQL {c['postgres_pct_of_machine']:.0f} %, "
                f"server (both) {c['server_pct_of_machine']:.0f} % (≥ 80 % in {c['seconds_server_ge_80']} of "
                f"{c['seconds']} s); machine busy {c['machine_busy_pct']:.0f} % (locust and other work included)."
            )
        report.append(
            f"pgbench tpcb-like (8 clients, scale {bench['scale']}, {bench['seconds']} s, before the mix): {bench['tps']:.0f} TPS."
        )
        if approve_mix:
            report.append(
                f"Approvals in the mix: {approve_mix['rps']:.2f}/s = {100 * approve_mix['rps'] / bench['tps']:.2f} % of pgbench TPS "
                f"(p50 {approve_mix['p50']:.0f} ms, p95 {approve_mix['p95']:.0f} ms, {approve_mix['failures']} errors)."
            )
        if approve_phase:
            a = next((r for r in approve_phase["rows"] if r["name"].startswith("approve")), None)
            if a:
                ca = result["cpu_approve"]
                report.append(
                    f"Approvals only ({args.approve_users} users, {args.approve_seconds} s): {a['rps']:.2f}/s = "
                    f"{100 * a['rps'] / bench['tps']:.1f} % of pgbench TPS (target ≥ 25 %); p50 {a['p50']:.0f} ms, "
                    f"p95 {a['p95']:.0f} ms, {a['failures']} errors"
                    + (f"; server CPU {ca['server_pct_of_machine']:.0f} %." if ca else ".")
                )
        if failures:
            report.append(
                "Errors: "
                + "; ".join(
                    f"{f['Method']} {f['Name']}: {f['Occurrences']}× {f['Error'][:160]}"
                    for f in failures
                )
            )
        report.append(f"Run took {time.monotonic() - started:.0f} s.")
        text = "\n".join(report)
        (args.out / "result.md").write_text(text + "\n")
        print(text, flush=True)
        errors = (
            warm_errors
            + mix_total["failures"]
            + (approve_phase["total"]["failures"] if approve_phase else 0)
        )
        if args.smoke and (errors or mix_total["requests"] == 0):
            say("smoke: FAILED (error responses or no requests)")
            return 1
        return 0
    finally:
        stop_all()
        if not args.keep and not args.reuse and args.db:
            with contextlib.suppress(subprocess.CalledProcessError):
                psql(f"DROP DATABASE IF EXISTS {args.db} WITH (FORCE)")
        shutil.rmtree(HERE / "__pycache__", ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
