FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# The locked, hash-checked dependencies first, in a layer that only a new lock rebuilds.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
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
    && DJANGO_ENV=development STATIC_MANIFEST=1 python manage.py collectstatic --noinput
EXPOSE 8000
