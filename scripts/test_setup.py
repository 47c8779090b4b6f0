"""Install what the test suite needs beyond the Python venv; `make test-setup`.

- node packages from package-lock.json (the W3C Nu HTML checker `vnu-jar` and
  `axe-core`), with `npm ci` only when node_modules is missing or the lock file
  changed since the last install (a stamp file remembers its hash);
- Debian's chromium at /usr/bin/chromium for the browser tests, and npm if it
  is missing (apt-get when running as root; otherwise the one command that
  installs them);
- a working `java` for vnu.jar.

Idempotent: with everything present it only hashes one file and runs
`java -version` (well under a second). Exits non-zero with a one-line fix when
something is missing and cannot be installed from here.
"""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from connected.errors import ConnectedError

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
LOCK_FILE = ROOT / "package-lock.json"
LOCK_STAMP = NODE_MODULES / ".connected-lock.sha256"
CHROMIUM = Path("/usr/bin/chromium")
# Files the tests load directly; their absence means a broken install.
NODE_FILES = [
    NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar",
    NODE_MODULES / "axe-core" / "axe.min.js",
]


class SetupError(ConnectedError):
    """Something the tests need is missing; the message says how to install it."""


def lock_hash() -> str:
    return hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()


def node_packages_current() -> bool:
    if not all(path.is_file() for path in NODE_FILES):
        return False
    return LOCK_STAMP.is_file() and LOCK_STAMP.read_text().strip() == lock_hash()


def ensure_node_packages() -> None:
    if node_packages_current():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SetupError(
            "npm is not installed (needed for vnu-jar and axe-core): "
            "run `sudo apt-get install -y nodejs npm` (Debian) or install Node.js 18+"
        )
    print("test-setup: npm ci (vnu-jar, axe-core)", flush=True)
    # --ignore-scripts: vnu-jar's postinstall would download a Java runtime;
    # we use the system java, and vnu.jar itself ships in the package.
    result = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=ROOT, check=False
    )
    if result.returncode != 0:
        raise SetupError("`npm ci` failed (see above); check network access to the npm registry")
    missing = [str(path.relative_to(ROOT)) for path in NODE_FILES if not path.is_file()]
    if missing:
        raise SetupError(f"`npm ci` finished but {', '.join(missing)} is missing")
    LOCK_STAMP.write_text(lock_hash() + "\n")


def missing_debian_packages() -> list[str]:
    packages = []
    if not CHROMIUM.exists():
        packages.append("chromium")
    # The deploy tests push to a local directory with rsync (they skip without it).
    if shutil.which("rsync") is None:
        packages.append("rsync")
    if shutil.which("npm") is None and not node_packages_current():
        packages += ["nodejs", "npm"]
    return packages


def ensure_debian_packages() -> None:
    """Chromium (and npm when node packages are still to install) via apt-get as root."""
    packages = missing_debian_packages()
    if not packages:
        return
    install = f"apt-get install -y {' '.join(packages)}"
    command = f"apt-get update && DEBIAN_FRONTEND=noninteractive {install}"
    if os.geteuid() != 0:
        raise SetupError(
            f"missing {', '.join(packages)} (the browser and HTML tests need them): "
            f"run `sudo sh -c '{command}'`"
        )
    print(f"test-setup: installing {' '.join(packages)} with apt-get", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for args in (["apt-get", "update"], ["apt-get", "install", "-y", *packages]):
        if subprocess.run(args, env=env, check=False).returncode != 0:
            raise SetupError(f"`{' '.join(args)}` failed (see above); run `{command}` by hand")
    if not CHROMIUM.exists():
        raise SetupError(f"apt-get installed chromium but {CHROMIUM} is still missing")


def ensure_java() -> None:
    install = "run `apt-get install -y default-jre-headless` (Java 17+ runs vnu.jar)"
    java = shutil.which("java")
    if java is None:
        raise SetupError(f"java is not installed (the HTML checker vnu.jar needs it): {install}")
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SetupError(f"`java -version` failed: {result.stderr.strip()}; {install}")


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m scripts test-setup", description=__doc__.splitlines()[0]
    )
    # No options beyond --help; argv None (main() called as a function) is none given.
    parser.parse_args([] if argv is None else argv)
    try:
        ensure_java()
        ensure_debian_packages()
        ensure_node_packages()
    except SetupError as error:
        print(f"test-setup: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
