"""The production profile passes Django's deployment checklist with no warning."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]


def test_check_deploy_is_clean_in_production():
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": Fernet.generate_key().decode() * 2,
        "ALLOWED_HOSTS": "cc.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://cc.example.com",
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/contactcenter",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    for leftover in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(leftover, None)

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_its_secrets():
    env = {**os.environ, "DJANGO_ENV": "production"}
    for key in ("SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEY", "DEBUG"):
        env.pop(key, None)

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
