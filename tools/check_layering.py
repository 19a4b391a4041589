#!/usr/bin/python3
"""Fails when a source file includes across a layer it must not
(docs/architecture.md, Layers). Run by ctest as `layering`.

Usage: check_layering.py SOURCE_DIR
"""
import os
import re
import sys

# (folder, forbidden include pattern, why)
RULES = [
    ("db", r'^#include "server/', "db/ does not include server/: shared helpers live in common/"),
    ("common", r'^#include "(server|db)/', "common/ depends on nothing of agentd's"),
    ("text", r'^#include "(server|db)/', "text/ depends on nothing of agentd's"),
]
NO_GRPC = r'^#include [<"](grpcpp/|grpc/|.*\.grpc\.pb\.h)'
for folder in ("server/core", "server/definitions", "server/facts", "server/plugin_host", "server/render", "db"):
    RULES.append((folder, NO_GRPC, folder + " knows protobuf messages, not gRPC (only the edges do)"))
# The edges that speak gRPC: the service to callers, and the host of plugins
# that run out of process (a library of its own that the core does not link;
# server/main.cc hands the core a function that uses it).
GRPC_EDGES = ("server/service", "server/plugin_host/remote")


def violations(root):
    found = []
    for folder, pattern, why in RULES:
        base = os.path.join(root, folder)
        for dirpath, _, files in os.walk(base):
            rel = os.path.relpath(dirpath, root)
            if pattern == NO_GRPC and any(rel == e or rel.startswith(e + os.sep) for e in GRPC_EDGES):
                continue
            for name in sorted(files):
                if not name.endswith((".h", ".cc", ".inc")):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        if re.match(pattern, line):
                            found.append("%s:%d: %s (%s)" % (os.path.relpath(path, root), number, line.strip(), why))
    return found


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    found = violations(sys.argv[1])
    for v in found:
        print(v)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
