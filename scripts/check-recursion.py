#!/usr/bin/env python3
"""Finds recursion in the decoders that read client input: every cycle in the direct call graph of their LLVM IR.

Built at -Onone, so the graph is the source's (no call is inlined or turned into a loop). A decoder whose stack grows
with its input (one frame per chunk, line or nesting level) shows up as a cycle; the only one allowed is the JSON
parser's, which is capped at depth 64 (JSONParser.maxDepth). Usage: check-recursion.py MODULE.ll [ALLOWED-SUBSTRING...]
"""
import re
import subprocess
import sys

DEFINE = re.compile(r'^define [^@]*@("(?:[^"]+)"|[\w.$]+)\(')
CALLEE = re.compile(r'\b(?:call|invoke)\b[^@]*@("(?:[^"]+)"|[\w.$]+)\(')


def graph(path):
    edges, current = {}, None
    for line in open(path, encoding="utf-8", errors="replace"):
        match = DEFINE.match(line)
        if match:
            current = match.group(1).strip('"')
            edges[current] = set()
        elif line.startswith("}"):
            current = None
        elif current:
            for callee in CALLEE.findall(line):
                edges[current].add(callee.strip('"'))
    return {caller: {c for c in callees if c in edges} for caller, callees in edges.items()}


def cycles(edges):
    """Tarjan's strongly connected components, iteratively (a check for recursion should not recurse)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges[node]:
                    found.append(component)
    return found


def demangle(names):
    try:
        out = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(names), text=True,
                             capture_output=True, check=True).stdout
        return out.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return names


def main():
    path, allowed = sys.argv[1], sys.argv[2:]
    bad, permitted = [], 0
    for component in cycles(graph(path)):
        readable = demangle(component)
        if allowed and all(any(a in name for a in allowed) for name in readable):
            permitted += 1
            continue
        bad.append(readable)
    for component in bad:
        print("recursion: " + " -> ".join(component))
    print(f"{path}: {len(bad)} recursive cycle(s), {permitted} allowed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
