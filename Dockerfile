# syntax=docker/dockerfile:1
# supplier-portal: one image for `portal serve`, `portal worker` and the one-shot commands.
#
# Stage 1 builds the wheel and installs it with the locked dependencies (hashes required)
# into /opt/portal; stage 2 copies that virtualenv onto a slim Debian with Tesseract
# (chi_sim), the CJK fonts and the PostgreSQL client (pg_dump/psql for `portal backup`).
# No compiler, no uv and no pip cache reach the final image; it runs as an unprivileged user.

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 UV_LINK_MODE=copy UV_NO_CACHE=1
# uv and the build backend come from PyPI; pinned so the build is repeatable.
RUN pip install "uv==0.13.9"
WORKDIR /src
COPY pyproject.toml uv.lock requirements.lock README.md ./
RUN uv venv /opt/portal \
 && uv pip install --python /opt/portal/bin/python --require-hashes -r requirements.lock
# every package of [tool.hatch.build.targets.wheel] (tests/deploy/test_image_recipe.py checks)
COPY portal ./portal
COPY crypto ./crypto
COPY ocr ./ocr
COPY registry ./registry
COPY approvals ./approvals
COPY tax_bureau ./tax_bureau
COPY providers ./providers
COPY verification ./verification
COPY payments ./payments
COPY templates ./templates
COPY migrations ./migrations
RUN uv build --wheel --out-dir /dist . \
 && uv pip install --python /opt/portal/bin/python --no-deps /dist/supplier_portal-*.whl

FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
# Tesseract + Simplified Chinese, CJK fonts for the licence pages, the PostgreSQL client
# for backups, and libglib/libgomp for OpenCV's headless build and onnxruntime.
# Not pinned to versions: the base image tag fixes the Debian release, and its
# security updates should land on every rebuild.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-chi-sim fonts-noto-cjk fonts-wqy-zenhei \
      postgresql-client libglib2.0-0 libgomp1 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 portal \
 && useradd --system --uid 10001 --gid portal --home-dir /var/lib/portal --create-home portal \
 && install -d -o portal -g portal -m 0700 /var/lib/portal-keys /var/backups/portal
COPY --from=build /opt/portal /opt/portal
ENV PATH=/opt/portal/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OMP_THREAD_LIMIT=1 \
    PORTAL_DATA_DIR=/var/lib/portal \
    PORTAL_HOST=0.0.0.0 \
    PORTAL_PORT=8000 \
    PORTAL_LOG_FORMAT=json
USER 10001:10001
WORKDIR /var/lib/portal
EXPOSE 8000
# /readyz: database reachable and at the release's migration head, Redis, keys loaded,
# OCR readers warm when this process reads licences (docs/operations.md, "Probes")
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8000/readyz"]
ENTRYPOINT ["portal"]
CMD ["serve"]
