# syntax=docker/dockerfile:1
# Build: a static binary (the SQLite driver is pure Go, so no cgo).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/souq ./cmd/souq && mkdir -p /out/data

# Run: no shell, no package manager, a non-root user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/souq /usr/local/bin/souq
COPY --from=build --chown=65532:65532 /out/data /data
ENV SOUQ_DATA_DIR=/data SOUQ_LOG_FORMAT=json
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/souq"]
CMD ["serve"]
