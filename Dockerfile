# syntax=docker/dockerfile:1
#
# rnotify's container image: `docker build -t rnotify:0.1.0 .`
#
# The build stage compiles rnotify from Debian 12 packages (the -dev
# packages of scripts/install-deps.sh that the binary links).  The runtime
# stage starts from nothing and holds only what the binary needs: itself,
# the shared libraries `ldd` lists for it (with the dynamic loader), CA
# certificates, the time zone database and a non-root user; no shell, no
# package manager.  scripts/docker-rootfs.sh lays that filesystem out;
# tests/deploy/dockerfile_test.py runs the same script and the binary
# inside its result.
#
# Pass the commit for `rnotify version` and rnotify_build_info:
#   docker build --build-arg RNOTIFY_COMMIT=$(git rev-parse --short=12 HEAD) .

FROM debian:12 AS build
ARG RNOTIFY_COMMIT=unknown
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake make pkg-config \
      libcurl4-openssl-dev libyaml-dev libssl-dev libpcre2-dev libcrypt-dev \
      libmicrohttpd-dev libgnutls28-dev \
      ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release \
      -DRN_GIT_COMMIT="${RNOTIFY_COMMIT}" \
 && cmake --build /build --target rnotify -j"$(nproc)" \
 && strip /build/rnotify \
 && /build/rnotify version \
 && scripts/docker-rootfs.sh /build/rnotify /rootfs

FROM scratch
COPY --from=build /rootfs /
ENV TZ=UTC
USER 65532:65532
WORKDIR /home/nonroot
EXPOSE 8080 8090
ENTRYPOINT ["/usr/local/bin/rnotify"]
CMD ["controller"]
LABEL org.opencontainers.image.title="rnotify" \
      org.opencontainers.image.description="Argo Rollouts notifications controller"
