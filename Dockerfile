FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
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
RUN pip install --no-cache-dir . && python scripts/compile_messages.py \
    && DJANGO_ENV=development STATIC_MANIFEST=1 python manage.py collectstatic --noinput
EXPOSE 8000
