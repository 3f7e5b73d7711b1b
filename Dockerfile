# delivery-metrics container image.
#
# Build stage: the same `make build` everyone runs (Swift standard library linked statically).
FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY . .
RUN make build && install -D -m 0755 .build/release/delivery-metrics /out/delivery-metrics

# Runtime stage: slim Debian with only the packages owning the libraries the binary links, plus libcurl4, which it
# opens with dlopen when the scraper is on (the acceptance run checks this list against `readelf`/`dpkg -S` and
# Sources/CCurl/shim.h; apt brings their own dependencies), and CA certificates for the scraper.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libc6 libgcc-s1 libstdc++6 libuv1 zlib1g libcurl4 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/delivery-metrics /usr/local/bin/delivery-metrics
# The persistence file's folder, owned by the run-time user; mount a volume here so writes outlive the container.
RUN install -d -m 0750 -o 65532 -g 65532 /var/lib/delivery-metrics
VOLUME /var/lib/delivery-metrics
# A numeric non-root user: nothing needs to exist in /etc/passwd, and no shell is used at run time.
USER 65532:65532
EXPOSE 2112
STOPSIGNAL SIGTERM
ENV DELIVERY_METRICS_LOG_FORMAT=json DELIVERY_METRICS_PERSISTENCE_FILE=/var/lib/delivery-metrics/state
ENTRYPOINT ["/usr/local/bin/delivery-metrics"]
