"""The production profile passes Django's deployment checklist with no warning, and serves the
static files the image collects."""

import os
import re
import shlex
import sys

from .production import ROOT, production_env, run


def test_check_deploy_is_clean_in_production():
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_its_secrets():
    env = {**os.environ, "DJANGO_ENV": "production"}
    for key in ("SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEY", "DEBUG"):
        env.pop(key, None)

    result = run([sys.executable, "manage.py", "check"], env)

    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


SERVE_STYLESHEET = """
import django
django.setup()
from django.templatetags.static import static
from django.test import Client
url = static("cc/app.css")
response = Client().get(url, secure=True, headers={"host": "cc.example.com"})
print(url, response.status_code, response["Content-Type"], sep="|")
"""


def test_production_serves_the_hashed_files_the_image_collects(tmp_path):
    """The Dockerfile's collectstatic, then a production process: pages link hashed names
    (cacheable forever) from the manifest, and the app serves them."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    command = re.search(r"&& ((?:\w+=\S+ )*)python manage.py collectstatic", dockerfile)
    assert command, "the Dockerfile no longer collects static files"
    build_env = dict(pair.split("=", 1) for pair in shlex.split(command.group(1)))
    collected = run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        {**os.environ, **build_env, "STATIC_ROOT": str(tmp_path)},
    )
    assert collected.returncode == 0, collected.stderr

    served = run(
        [sys.executable, "-c", SERVE_STYLESHEET], production_env(STATIC_ROOT=str(tmp_path))
    )

    assert served.returncode == 0, served.stderr
    url, status, content_type = served.stdout.strip().split("|")
    assert re.fullmatch(r"/static/cc/app\.[0-9a-f]{12}\.css", url)
    assert status == "200" and content_type.startswith("text/css")
