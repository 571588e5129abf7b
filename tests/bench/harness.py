"""Shared pieces of the benchmarks: a bench database, servers in subprocesses, load, figures."""

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCH_DB = "contactcenter_bench"
BENCH_URL = PG_ADMIN.rsplit("/", 1)[0] + f"/{BENCH_DB}"
# Its own Redis database: no running worker takes the benchmark's tasks.
BENCH_REDIS = "redis://127.0.0.1:6379/14"


def bench_env() -> dict:
    return {
        **os.environ,
        "DATABASE_URL": BENCH_URL,
        "REDIS_URL": BENCH_REDIS,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "BENCH_DSN": BENCH_URL,
    }


def prepare_database() -> None:
    """Creates and migrates the bench database (kept between runs; rows are cleared per run)."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [BENCH_DB]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0", "--noinput"],
        cwd=ROOT,
        env=bench_env(),
        check=True,
    )
    with psycopg.connect(BENCH_URL, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial primary key, body bytea)"
        )


def vacuum() -> None:
    """VACUUM ANALYZE once the previous run's rows are cleared: a PostgreSQL with autovacuum
    off (this machine's) keeps every dead row of earlier runs, and each run would be slower
    than the last."""
    with psycopg.connect(BENCH_URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def setup_django() -> None:
    os.environ.update(
        {
            k: v
            for k, v in bench_env().items()
            if k in ("DATABASE_URL", "REDIS_URL", "DEBUG", "LOG_LEVEL")
        }
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def uvicorn_server(app: str, *, lifespan: str = "off"):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--lifespan",
            lifespan,
        ],
        cwd=ROOT,
        env=bench_env(),
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{app} did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _load(url: str, bodies: list[tuple[bytes, dict]], concurrency: int) -> list[float]:
    import httpx

    latencies: list[float] = []
    queue = list(reversed(bodies))
    async with httpx.AsyncClient(timeout=30) as client:

        async def worker():
            while queue:
                body, headers = queue.pop()
                start = time.perf_counter()
                response = await client.post(url, content=body, headers=headers)
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise RuntimeError(f"{url} answered {response.status_code}: {response.text}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def closed_loop(url: str, bodies: list[tuple[bytes, dict]], *, concurrency: int = 32) -> dict:
    start = time.perf_counter()
    latencies = asyncio.run(_load(url, bodies, concurrency))
    elapsed = time.perf_counter() - start
    return figures(latencies, elapsed)


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state, ppid, …); None once the
    process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU the process used so far (Linux /proc); None once it is gone."""
    fields = _stat(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def children_of(pid: int) -> list[int]:
    return [
        int(entry)
        for entry in os.listdir("/proc")
        if entry.isdigit() and (fields := _stat(int(entry))) is not None and int(fields[1]) == pid
    ]


def figures(latencies: list[float], elapsed: float) -> dict:
    ordered = sorted(latencies)
    return {
        "rate": len(ordered) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
    }


def report(title: str, ours: dict, baseline: dict, unit: str = "req/s") -> None:
    print(f"\n{title}")
    print(
        f"  ours     {ours['rate']:9.0f} {unit}   p50 {ours['p50_ms']:7.2f} ms   "
        f"p99 {ours['p99_ms']:7.2f} ms"
    )
    print(
        f"  baseline {baseline['rate']:9.0f} {unit}   p50 {baseline['p50_ms']:7.2f} ms   "
        f"p99 {baseline['p99_ms']:7.2f} ms"
    )
    print(f"  ratio    {ours['rate'] / baseline['rate']:9.2f} x baseline throughput")
