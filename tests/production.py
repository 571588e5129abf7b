"""The environment of a production process (DJANGO_ENV=production), for tests that start one."""

import os
import subprocess
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]


def production_env(**extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": Fernet.generate_key().decode() * 2,
        "ALLOWED_HOSTS": "cc.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://cc.example.com",
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/contactcenter",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        **extra,
    }
    for leftover in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "STATIC_MANIFEST"):
        env.pop(leftover, None)
    return env


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    """A command of the project run from its root, its output kept for the assertion."""
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
