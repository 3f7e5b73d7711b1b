#!/usr/bin/env bash
# Installs the named packages that are missing: as root directly, otherwise it prints the command to run.
# A name is a Debian package, or pip:MODULE for a Python package from PyPI that python3 must be able to import
# (the Pushgateway differential test wants PyPI's current prometheus_client: Debian's 0.16 predates its
# compression= argument). Debian packages go first, so python3-pip is there for the pip ones.
set -euo pipefail
missing=()
python_modules=()
for package in "$@"; do
    case "$package" in
        pip:*) python3 -c "import ${package#pip:}" 2>/dev/null || python_modules+=("${package#pip:}") ;;
        *) dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package") ;;
    esac
done
[ ${#missing[@]} -eq 0 ] && [ ${#python_modules[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
    [ ${#missing[@]} -eq 0 ] || {
        echo "missing Debian packages: ${missing[*]}"
        echo "run: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
    }
    [ ${#python_modules[@]} -eq 0 ] || {
        echo "missing Python packages: ${python_modules[*]}"
        echo "run: python3 -m pip install --user ${python_modules[*]}"
    }
    exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
if [ ${#python_modules[@]} -gt 0 ]; then
    echo "installing with pip: ${python_modules[*]}"
    pip_flags=(--quiet --disable-pip-version-check --no-input)
    # Debian's own python3 is marked externally managed (PEP 668) and refuses pip without this flag; as root on a
    # CI or development machine the package then goes to /usr/local, beside (not over) Debian's.
    if python3 -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")))'; then
        pip_flags+=(--break-system-packages)
    fi
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install "${pip_flags[@]}" "${python_modules[@]}"
fi
