# syntax=docker/dockerfile:1
# arflow in a container: the wheel built in one stage, installed in a small one with the
# same pip line as the wheel test (tests/packaging/test_wheel.py), run as a non-root user
# from a folder `arflow init` wrote. Building and starting it, with PostgreSQL and a mail
# catcher: docs/operations.md "Install and deploy" (compose.yaml).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install build
WORKDIR /src
COPY . .
# the sdist, then the wheel from it (the default path, as the wheel test builds it)
RUN python -m build --outdir /dist .

FROM python:3.11-slim
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONUNBUFFERED=1
# the CJK font statements of account are set in (scripts/ensure-fonts.sh installs the same)
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /dist/*.whl /tmp/dist/
# compiled here, as root: the arflow user cannot write byte code into site-packages
RUN pip install --no-compile /tmp/dist/arflow-*.whl \
    && python -m compileall -q /usr/local/lib/python3.11/site-packages \
    && rm -rf /tmp/dist
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /srv/arflow arflow
USER arflow
WORKDIR /srv/arflow
# the project folder: the packaged policy, settings and templates; var/ is a volume
RUN arflow init /srv/arflow && mkdir var
ENV ARFLOW_HOME=/srv/arflow
VOLUME ["/srv/arflow/var"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["arflow", "serve", "--host", "0.0.0.0"]
