# escalator in a container: the service only, its database elsewhere (PostgreSQL, see
# deploy/compose.single.yaml) or a SQLite file on the /var/lib/escalator volume.
#   docker build -t escalator .
#   docker run --env-file escalator.env -v ./config:/etc/escalator \
#     -v escalator-data:/var/lib/escalator -p 8080:8080 escalator
# ./config holds escalator.yaml and is writable by uid 10001 (the board's editor saves it).
# The config must listen on all of the container's addresses: `http: {listen: 0.0.0.0:8080}`.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY escalator ./escalator
RUN python -m venv /opt/escalator/.venv \
 && /opt/escalator/.venv/bin/pip install --no-cache-dir '.[postgres]'

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/escalator --create-home \
      --shell /usr/sbin/nologin escalator
RUN mkdir -p /etc/escalator && chown escalator:escalator /etc/escalator && chmod 0750 /etc/escalator
COPY --from=build /opt/escalator/.venv /opt/escalator/.venv
ENV PATH=/opt/escalator/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ESCALATOR_HEALTH_URL=http://127.0.0.1:8080/healthz
WORKDIR /var/lib/escalator
VOLUME ["/var/lib/escalator"]
USER escalator
EXPOSE 8080
# /healthz answers 200 only while every component is up (503 otherwise): urlopen raises.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['ESCALATOR_HEALTH_URL'], timeout=4)"]
ENTRYPOINT ["escalator"]
CMD ["run", "--config", "/etc/escalator/escalator.yaml"]
