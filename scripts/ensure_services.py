"""Make sure PostgreSQL and Redis answer, start them on this machine's kind of host if not,
and create the project's database. Used by `make run` and `make test`."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import redis

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/contactcenter")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
LAPTOP_HINT = "Start them with:  docker compose up -d postgres redis"


def _admin_dsn(url: str) -> str:
    parsed = urlparse(url)
    return parsed._replace(path="/postgres").geturl()


def _wait(check, name: str, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            check()
            return True
        except Exception:  # noqa: BLE001 - any failure means "not up yet"
            time.sleep(0.5)
    return False


def _pg_up() -> None:
    psycopg.connect(_admin_dsn(DATABASE_URL), connect_timeout=2).close()


def _redis_up() -> None:
    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()


def ensure_postgres() -> None:
    if _wait(_pg_up, "postgres", 1):
        return
    if shutil.which("pg_ctlcluster") and Path("/etc/postgresql").is_dir():
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        print(f"Starting PostgreSQL {version} ...")
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False
        )
        if _wait(_pg_up, "postgres"):
            return
    sys.exit(f"PostgreSQL does not answer at {DATABASE_URL}. {LAPTOP_HINT}")


def ensure_redis() -> None:
    if _wait(_redis_up, "redis", 1):
        return
    if shutil.which("redis-server"):
        print("Starting Redis ...")
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=False,
        )
        if _wait(_redis_up, "redis"):
            return
    sys.exit(f"Redis does not answer at {REDIS_URL}. {LAPTOP_HINT}")


def ensure_database() -> None:
    name = urlparse(DATABASE_URL).path.lstrip("/")
    with psycopg.connect(_admin_dsn(DATABASE_URL), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}")


if __name__ == "__main__":
    ensure_postgres()
    ensure_redis()
    ensure_database()
    print("PostgreSQL and Redis are up.")
