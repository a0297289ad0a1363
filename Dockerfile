# One image; the role is the command: `colombe serve` (web) or `colombe worker`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    COLOMBE_DATA_DIR=/var/lib/colombe \
    COLOMBE_HOST=0.0.0.0 \
    COLOMBE_PORT=8000

WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY workers ./workers
COPY models ./models
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /var/lib/colombe --create-home colombe

USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3).status == 200 else 1)"]
ENTRYPOINT ["colombe"]
CMD ["serve"]
