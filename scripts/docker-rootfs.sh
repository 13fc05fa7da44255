#!/bin/sh
# docker-rootfs.sh BINARY ROOTFS: lay out the runtime image's whole
# filesystem in ROOTFS, as the Dockerfile's build stage does: the binary,
# every shared library `ldd` says it loads (the dynamic loader included),
# the CA bundle libcurl and OpenSSL read, the IANA time zones Go-style time
# formatting reads, a non-root user (65532, "nonroot") and /tmp.
# tests/deploy/dockerfile_test.py runs it on build/rnotify and then runs
# the binary inside the result.
set -eu
bin=$1
root=$2
mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/usr/share" \
    "$root/tmp" "$root/home/nonroot"
install -m 0755 "$bin" "$root/usr/local/bin/rnotify"
libs=$(ldd "$bin")
if printf '%s\n' "$libs" | grep -q 'not found'; then
    printf 'docker-rootfs: missing libraries:\n%s\n' "$libs" >&2
    exit 1
fi
# "name => /path (addr)" lines and the loader's "/path (addr)" line
printf '%s\n' "$libs" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
                             $1 ~ /^\// { print $1 }' | sort -u |
    while read -r lib; do
        cp --parents -L "$lib" "$root"
    done
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
cp -a /usr/share/zoneinfo "$root/usr/share/"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' \
    > "$root/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$root/etc/group"
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
chmod 1777 "$root/tmp"
chown 65532:65532 "$root/home/nonroot" 2>/dev/null || true
