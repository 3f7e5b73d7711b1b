#!/usr/bin/env python3
"""Writes each named module of the package as one LLVM IR file, for check-recursion.py.

The sources and flags come from SwiftPM's own build description (`.build/debug/description.json`, written by
`swift build`), so no file list is kept by hand: a file added to a target is analysed with it. Built at -Onone with
whole-module compilation, so the call graph is the source's (no call is inlined or turned into a loop).
Usage: emit-module-ir.py DESCRIPTION.json OUTPUT-DIR MODULE...
"""
import json
import os
import subprocess
import sys

# SwiftPM's flags that shape its own outputs (diagnostics, index, incremental state, headers), not the IR.
DROPPED = {
    "-incremental", "-enable-batch-mode", "-serialize-diagnostics", "-parseable-output", "-emit-objc-header", "-g",
}
DROPPED_WITH_VALUE = {"-index-store-path", "-emit-objc-header-path"}


def compile_flags(arguments):
    flags, rest = [], iter(arguments)
    for argument in rest:
        if argument == "-Xcc":
            flags += [argument, next(rest)]  # a C flag, kept whatever it is (`-Xcc -g` is not Swift's -g)
        elif argument in DROPPED_WITH_VALUE:
            next(rest)
        elif argument not in DROPPED and not argument.startswith("-j"):
            flags.append(argument)
    return flags


def module_command(description, name):
    for key, command in description["swiftCommands"].items():
        # A module built for the build host too (a plugin's tool) has a second entry ending in "-tool.module".
        if command.get("moduleName") == name and not key.endswith("-tool.module"):
            return command
    sys.exit(f"no module {name} in the build description")


def main():
    description_path, output_dir, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    description = json.load(open(description_path, encoding="utf-8"))
    os.makedirs(output_dir, exist_ok=True)
    for name in names:
        command = module_command(description, name)
        output = os.path.join(output_dir, name + ".ll")
        subprocess.run(
            [command["executable"], "-emit-ir", "-wmo", "-module-name", name, "-I", command["importPath"]]
            + compile_flags(command["otherArguments"]) + ["-Onone"] + command["sources"] + ["-o", output],
            check=True,
        )
        print(output)


if __name__ == "__main__":
    main()
