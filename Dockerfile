# wgbot for a server: `docker build -t wgbot .`, then see compose.yaml (README, "Deployment").
# Two stages: the wheel is built from the source, and only the wheel and its
# dependencies go into the image that runs, as an unprivileged user.
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot/ bot/
COPY commands/ commands/
COPY templates/ templates/
COPY migrations/ migrations/
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.12-slim
# Chinese, Japanese and Korean names in the metrics chart need a CJK font (matplotlib
# brings DejaVu Sans for Latin, Greek and Cyrillic only); WenQuanYi is the small one.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-zenhei \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/wgbot --create-home wgbot
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY deploy/docker-entrypoint.sh /usr/local/bin/wgbot-entrypoint
USER wgbot
WORKDIR /var/lib/wgbot
# SQLite in the volume unless DATABASE_URL names a PostgreSQL database.
ENV PYTHONUNBUFFERED=1 \
    PORT=3000 \
    DATABASE_URL=sqlite:////var/lib/wgbot/wgbot.db
VOLUME ["/var/lib/wgbot"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
# `wgbot migrate`, then `wgbot serve` (or the subcommand given: `worker`, `serve --workers 2`).
ENTRYPOINT ["sh", "/usr/local/bin/wgbot-entrypoint"]
CMD ["serve"]
