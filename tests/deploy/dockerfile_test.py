#!/usr/bin/python3
"""dockerfile_test.py: the Dockerfile, checked without Docker.

Docker cannot build images on these machines, so this test checks what it
can of the Dockerfile and then builds the runtime image's filesystem the
way the Dockerfile does (scripts/docker-rootfs.sh on build/rnotify):

- the Dockerfile parses into instructions; the build stage is Debian 12
  and installs the -dev package of every library cmake/deps.cmake
  requires (each also in scripts/install-deps.sh); the runtime stage
  starts FROM scratch, copies only the laid-out root filesystem, runs as
  a numeric non-root user and starts /usr/local/bin/rnotify controller;
- every library `ldd build/rnotify` lists is in the laid-out root, with
  the CA bundle, the time zones, /etc/passwd with the user and /tmp;
- the binary runs inside that root: under chroot as uid 65532 when the
  test runs as root, otherwise through the root's own dynamic loader with
  every library resolved inside the root.

Usage: dockerfile_test.py RNOTIFY
Ends with "N passed, N failed".
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from pycheck import Fail, expect, run_checks  # noqa: E402

UID = 65532

# pkg-config module (cmake/deps.cmake) -> the Debian package with its .pc
DEV_PACKAGES = {
    "yaml-0.1": "libyaml-dev", "libcrypto": "libssl-dev", "libssl": "libssl-dev",
    "libpcre2-8": "libpcre2-dev", "libcurl": "libcurl4-openssl-dev",
    "libmicrohttpd": "libmicrohttpd-dev", "gnutls": "libgnutls28-dev",
    "crypt": "libcrypt-dev",
}


def instructions(text):
    """(keyword, argument) pairs: comments dropped, continuations joined."""
    out, cur = [], ""
    for line in text.splitlines():
        if not cur and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            cur += line.rstrip()[:-1] + " "
            continue
        cur += line
        word, _, arg = cur.strip().partition(" ")
        out.append((word.upper(), arg.strip()))
        cur = ""
    expect(not cur, "a continuation line ends the Dockerfile")
    return out


def stages(ins):
    st = []
    for word, arg in ins:
        expect(word in ("FROM", "RUN", "COPY", "ARG", "ENV", "WORKDIR",
                        "USER", "EXPOSE", "ENTRYPOINT", "CMD", "LABEL"),
               "unexpected instruction " + word)
        if word == "FROM":
            st.append({"from": arg, "ins": []})
        else:
            expect(st or word == "ARG", word + " before FROM")
            if st:
                st[-1]["ins"].append((word, arg))
    return st


def check_dockerfile():
    with open(os.path.join(ROOT, "Dockerfile")) as f:
        st = stages(instructions(f.read()))
    expect(len(st) == 2, "two stages, got %d" % len(st))
    build, run = st
    expect(re.fullmatch(r"debian:12(\S*)? AS build", build["from"]),
           "build stage FROM debian:12: " + build["from"])
    runs = " ".join(a for w, a in build["ins"] if w == "RUN")
    with open(os.path.join(ROOT, "cmake", "deps.cmake")) as f:
        deps = f.read()
    with open(os.path.join(ROOT, "scripts", "install-deps.sh")) as f:
        install_deps = f.read()
    mods = re.findall(r"pkg_check_modules\(\w+ REQUIRED IMPORTED_TARGET "
                      r"([\w.-]+)\)", deps)
    mods += re.findall(r"find_library\(\w+ (crypt) REQUIRED\)", deps)
    expect(len(mods) >= 6, "libraries of cmake/deps.cmake: %r" % mods)
    for m in mods:
        pkg = DEV_PACKAGES.get(m)
        expect(pkg, "no Debian package known for %s (add it here)" % m)
        expect(re.search(r"\b%s\b" % re.escape(pkg), runs),
               "the build stage does not install %s (for %s)" % (pkg, m))
        expect(re.search(r"\b%s\b" % re.escape(pkg), install_deps),
               "scripts/install-deps.sh does not list " + pkg)
    for p in ("ca-certificates", "tzdata", "cmake"):
        expect(re.search(r"\b%s\b" % p, runs), "build stage installs " + p)
    expect("scripts/docker-rootfs.sh /build/rnotify /rootfs" in runs,
           "the build stage lays out /rootfs with scripts/docker-rootfs.sh")
    expect("--target rnotify" in runs, "only rnotify is built")
    expect(run["from"] == "scratch", "runtime stage FROM scratch")
    words = [w for w, _ in run["ins"]]
    copies = [a for w, a in run["ins"] if w == "COPY"]
    expect(copies == ["--from=build /rootfs /"],
           "the runtime stage copies only the laid-out root: %r" % copies)
    expect("RUN" not in words, "nothing runs in the runtime stage")
    users = [a for w, a in run["ins"] if w == "USER"]
    expect(users and re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", users[-1]),
           "a numeric non-root USER (runAsNonRoot needs a number): %r" % users)
    expect(users[-1].split(":")[0] == str(UID), "USER %d" % UID)
    ep = [a for w, a in run["ins"] if w == "ENTRYPOINT"]
    expect(ep == ['["/usr/local/bin/rnotify"]'], "ENTRYPOINT: %r" % ep)
    cmd = [a for w, a in run["ins"] if w == "CMD"]
    expect(cmd == ['["controller"]'], "CMD: %r" % cmd)
    with open(os.path.join(ROOT, ".dockerignore")) as f:
        ignored = f.read().split()
    for d in (".git", "build", "build-*"):
        expect(d in ignored, ".dockerignore leaves out " + d)


def ldd_paths(binary):
    out = subprocess.run(["ldd", binary], capture_output=True, text=True,
                         check=True).stdout
    paths = set()
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[1] == "=>" and f[2].startswith("/"):
            paths.add(f[2])
        elif f and f[0].startswith("/"):
            paths.add(f[0])
    expect(paths, "ldd lists libraries")
    return paths


def check_rootfs(binary, root):
    subprocess.run([os.path.join(ROOT, "scripts", "docker-rootfs.sh"),
                    binary, root], check=True, capture_output=True)
    for lib in ldd_paths(binary):
        expect(os.path.isfile(root + lib), "library not copied: " + lib)
    for f in ("usr/local/bin/rnotify", "etc/ssl/certs/ca-certificates.crt",
              "usr/share/zoneinfo/UTC", "usr/share/zoneinfo/Europe/Paris",
              "etc/nsswitch.conf"):
        expect(os.path.isfile(os.path.join(root, f)), "missing /" + f)
    with open(os.path.join(root, "etc", "passwd")) as f:
        expect("nonroot:x:%d:%d:" % (UID, UID) in f.read(), "user nonroot")
    expect(os.stat(os.path.join(root, "tmp")).st_mode & 0o1777 == 0o1777,
           "/tmp is world-writable and sticky")
    expect(not os.path.exists(os.path.join(root, "bin", "sh")), "no shell")


def run_inside(root):
    """rnotify version, run from the laid-out root only."""
    if os.geteuid() == 0:
        p = subprocess.run(["chroot", "--userspec=%d:%d" % (UID, UID), root,
                            "/usr/local/bin/rnotify", "version"],
                           capture_output=True, text=True)
        expect(p.returncode == 0, "rnotify version under chroot: %s"
               % p.stderr)
        expect(p.stdout.startswith("rnotify "), "version output: "
               + p.stdout)
        return
    loaders = [l for l in ldd_paths(os.path.join(root, "usr/local/bin/rnotify"))
               if "ld-linux" in l]
    expect(loaders, "the dynamic loader")
    libdirs = sorted({os.path.dirname(root + l)
                      for l in ldd_paths(os.path.join(
                          root, "usr/local/bin/rnotify"))})
    cmd = [root + loaders[0], "--inhibit-cache", "--library-path",
           ":".join(libdirs), os.path.join(root, "usr/local/bin/rnotify")]
    trace = subprocess.run(cmd + ["version"], capture_output=True, text=True,
                           env={"LD_TRACE_LOADED_OBJECTS": "1"})
    for line in trace.stdout.splitlines():
        f = line.split()
        if len(f) >= 3 and f[1] == "=>":
            expect(f[2].startswith(root), "resolved outside the root: "
                   + line.strip())
    p = subprocess.run(cmd + ["version"], capture_output=True, text=True)
    expect(p.returncode == 0 and p.stdout.startswith("rnotify "),
           "rnotify version from the root: " + p.stderr)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="rn-rootfs-")
    root = os.path.join(tmp, "rootfs")
    checks = [("Dockerfile", check_dockerfile),
              ("runtime root filesystem", lambda: check_rootfs(binary, root)),
              ("binary runs inside it", lambda: run_inside(root))]
    try:
        return run_checks(checks)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
