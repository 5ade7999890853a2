# syntax=docker/dockerfile:1
# ringside: a static binary on a distroless base, running as non-root.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ) -t ringside .
#
# (`make image` does exactly that.)
#
# The base images are named by tag, not by digest: pin them by digest in
# the registry you build from (`FROM golang:1.26@sha256:...`) once you have
# resolved and reviewed the digests there; this file cannot know them.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=
# .git is not in the build context (.dockerignore), so the commit comes in
# as REVISION rather than from Go's VCS stamping.
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.revision=${REVISION}" \
      -o /out/ringside ./cmd/ringside \
 && mkdir -p /out/data

FROM gcr.io/distroless/static:nonroot
ARG VERSION=dev
ARG REVISION=
ARG CREATED=
LABEL org.opencontainers.image.title="ringside" \
      org.opencontainers.image.description="S3 sidecar gateway: write-through to a versioned S3 backend, a local index for HEAD and LIST, out-of-band change mirroring" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="https://github.com/ringside/ringside" \
      org.opencontainers.image.base.name="gcr.io/distroless/static:nonroot"
COPY --from=build /out/ringside /usr/local/bin/ringside
# The index, the generated admin token and TLS files live here; mount a
# volume to keep them.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
# Inside a container the listeners must not be loopback-only; publish the
# admin port only to a trusted network, it carries the admin token.
ENV RINGSIDE_LISTEN=0.0.0.0:7480 \
    RINGSIDE_ADMIN_LISTEN=0.0.0.0:7481 \
    RINGSIDE_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 7480 7481
# distroless has no shell and no curl: the binary checks itself. It reads
# RINGSIDE_ADMIN_LISTEN like serve and checks the wildcard address on
# loopback. /readyz turns 503 while the gateway starts or stops.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/usr/local/bin/ringside", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/ringside", "serve"]
