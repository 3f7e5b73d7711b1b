#!/usr/bin/env python3
"""Finds recursion in the decoders that read client input: every cycle in the direct call graph of their LLVM IR.

The decoders are what the fuzzers reach: the functions called, directly and transitively, from those defined in
the fuzzers' own IR (--from), over the graph of every IR file given (the fuzzers' and the modules they import, as
emit-module-ir.py writes them at -Onone, so no call is inlined or turned into a loop). A decoder whose stack grows
with its input (one frame per chunk, line or nesting level) shows up as a cycle; the only one allowed is the JSON
parser's, which is capped at depth 64 (JSONParser.maxDepth).
Usage: check-recursion.py [--allow SUBSTRING]... --from FUZZER.ll... MODULE.ll...
"""
import argparse
import re
import subprocess
import sys

DEFINE = re.compile(r'^define [^@]*@("(?:[^"]+)"|[\w.$]+)\(')
CALLEE = re.compile(r'\b(?:call|invoke)\b[^@]*@("(?:[^"]+)"|[\w.$]+)\(')


def graph(paths):
    edges, current = {}, None
    for path in paths:
        for line in open(path, encoding="utf-8", errors="replace"):
            match = DEFINE.match(line)
            if match:
                current = match.group(1).strip('"')
                # A function several modules define (one inlined from another, each fuzzer's entry) is one node.
                edges.setdefault(current, set())
            elif line.startswith("}"):
                current = None
            elif current:
                for callee in CALLEE.findall(line):
                    edges[current].add(callee.strip('"'))
    return {caller: {c for c in callees if c in edges} for caller, callees in edges.items()}


def defined(path):
    lines = open(path, encoding="utf-8", errors="replace")
    return {match.group(1).strip('"') for match in map(DEFINE.match, lines) if match}


def reachable(edges, roots):
    """The part of the graph that the roots call, directly or not (iteratively, as everything here)."""
    seen, work = set(roots), list(roots)
    while work:
        for callee in edges[work.pop()]:
            if callee not in seen:
                seen.add(callee)
                work.append(callee)
    return {node: edges[node] & seen for node in seen}


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
    parser = argparse.ArgumentParser(description="Cycles in the call graph the fuzzers reach.")
    parser.add_argument("--allow", action="append", default=[], help="a cycle whose every name has it is allowed")
    parser.add_argument("--from", dest="roots", action="append", required=True, help="a fuzzer's IR: the entries")
    parser.add_argument("modules", nargs="*", help="the IR of the modules the fuzzers import")
    arguments = parser.parse_args()
    edges = graph(arguments.roots + arguments.modules)
    reached = reachable(edges, set().union(*map(defined, arguments.roots)))
    bad, permitted = [], 0
    for component in cycles(reached):
        readable = demangle(component)
        if arguments.allow and all(any(a in name for a in arguments.allow) for name in readable):
            permitted += 1
            continue
        bad.append(readable)
    for component in bad:
        print("recursion: " + " -> ".join(component))
    print(f"{len(reached)} functions reached from the fuzzers: {len(bad)} recursive cycle(s), {permitted} allowed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
