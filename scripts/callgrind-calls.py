#!/usr/bin/env python3
"""Sums the calls to the named functions in a callgrind out file, from every caller:
callgrind-calls.py FILE NAME... -> one 'NAME COUNT' line each (scripts/push-cost.sh counts the allocator's)."""
import re
import sys

path, names = sys.argv[1], set(sys.argv[2:])
ids, counts, pending = {}, {name: 0 for name in names}, None
reference = re.compile(r"^c?fn=\((\d+)\)(?: (.*))?$")
for line in open(path, errors="replace"):
    line = line.rstrip("\n")
    match = reference.match(line)
    if match:
        ident, name = match.group(1), match.group(2)
        if name is not None:
            ids[ident] = name
        pending = ids.get(ident) if line.startswith("cfn=") else None
        continue
    if line.startswith("calls=") and pending in names:
        counts[pending] += int(line[6:].split()[0])
        pending = None
for name in sorted(names):
    print(name, counts[name])
