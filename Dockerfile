# syntax=docker/dockerfile:1
# Multi-stage build of a static binary (the embedded store is pure Go:
# FerretDB on modernc.org/sqlite, so CGO is off).
FROM golang:1.26.10 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ratify ./cmd/ratify \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ratify /ratify
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV RATIFY_ADDR=:8080 RATIFY_DATA_DIR=/data RATIFY_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["/ratify", "healthcheck"]
ENTRYPOINT ["/ratify"]
CMD ["serve"]
