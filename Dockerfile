FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Everything runs as this unprivileged user; root only builds. It may write the media volume
# and /tmp (beat's schedule) and nothing else: the code, translations and static files are root's.
RUN useradd --system --user-group --uid 10001 --home-dir /app --no-create-home app
WORKDIR /app
# The locked, hash-checked dependencies first, in a layer that only a new lock rebuilds.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY LICENSE pyproject.toml README.md ./
COPY contactcenter ./contactcenter
COPY inbox ./inbox
COPY routing ./routing
COPY templates_hsm ./templates_hsm
COPY reporting ./reporting
COPY integrations ./integrations
COPY locale ./locale
COPY scripts ./scripts
COPY manage.py ./
# The project alone: every dependency it declares is in the lock above.
RUN pip install --no-cache-dir --no-deps . && python scripts/compile_messages.py \
    && DJANGO_ENV=development STATIC_MANIFEST=1 python manage.py collectstatic --noinput \
    && mkdir -p var/media && chown app:app var/media
USER app
EXPOSE 8000
# Liveness of the web server (/healthz answers plain HTTP to any Host, before the HTTPS
# redirect), with the image's own Python: the slim image has no curl. Workers and beat, which
# serve no HTTP, set their own check in docker-compose.yml.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
