# syntax=docker/dockerfile:1
# ringside: a static binary on a distroless base, running as non-root.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/ringside ./cmd/ringside \
 && mkdir -p /out/data

FROM gcr.io/distroless/static:nonroot
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
ENTRYPOINT ["/usr/local/bin/ringside", "serve"]
