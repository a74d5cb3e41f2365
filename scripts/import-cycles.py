#!/usr/bin/env python3
"""Fails when two files of src/ import each other, directly or round a longer loop.

A file's imports are the `crate::…`, `super::…` and `self::…` paths it names (test modules
left out), each resolved to the file that defines the module it reaches; a `mod.rs` that
names its own child (`use child::…`) imports that child. Run: python3 scripts/import-cycles.py
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")

modules = {}  # module path (tuple) -> file
for folder, _, names in os.walk(ROOT):
    for name in names:
        if name.endswith(".rs"):
            path = os.path.join(folder, name)
            parts = os.path.relpath(path, ROOT)[:-3].split(os.sep)
            if parts[-1] == "mod":
                parts = parts[:-1]
            if parts in (["lib"], ["main"]):
                parts = []
            modules[tuple(parts)] = path


def file_of(path):
    """The longest prefix of `path` that is a module with a file of its own."""
    for end in range(len(path), -1, -1):
        if tuple(path[:end]) in modules:
            return tuple(path[:end])
    return None


PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_]\w*)+)(?:::\{([^;]*?)\})?")
CHILD = re.compile(r"^\s*(?:pub(?:\([a-z]+\))?\s+)?use\s+([a-z_]\w*)::", re.M)

imports = {}
for module, path in modules.items():
    text = open(path, encoding="utf-8").read()
    text = re.split(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod tests", text)[0]
    text = re.sub(r"pub\(in [^)]*\)", "pub", text)  # a visibility names a module, imports none
    # A module's own path; `super` of a file is its parent module.
    found = set()
    for match in PATH.finditer(text):
        base, rest, braced = match.group(1), match.group(2).split("::")[1:], match.group(3)
        start = [] if base == "crate" else list(module) if base == "self" else list(module[:-1])
        while rest and rest[0] == "super":
            start, rest = start[:-1], rest[1:]
        targets = [start + rest]
        for item in (braced or "").split(","):
            item = item.strip().split(" as ")[0].strip()
            if item and not item.startswith("{"):
                targets.append(start + rest + item.split("::"))
        for target in targets:
            reached = file_of(target)
            if reached is not None and reached != module:
                found.add(reached)
    for match in CHILD.finditer(text):
        reached = file_of(list(module) + [match.group(1)])
        if reached is not None and len(reached) > len(module):
            found.add(reached)
    imports[module] = found

# Tarjan's strongly connected components: any with two or more files is a cycle.
index, low, stack, on_stack, cycles = {}, {}, [], set(), []
sys.setrecursionlimit(10_000)


def visit(v):
    index[v] = low[v] = len(index)
    stack.append(v)
    on_stack.add(v)
    for w in imports[v]:
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on_stack:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        component = []
        while True:
            w = stack.pop()
            on_stack.discard(w)
            component.append(w)
            if w == v:
                break
        if len(component) > 1:
            cycles.append(component)


for v in sorted(imports):
    if v not in index:
        visit(v)

name = lambda m: modules[m].split("src" + os.sep, 1)[-1]
for component in cycles:
    print("import cycle between:", ", ".join(sorted(name(m) for m in component)))
    for m in sorted(component):
        print("   ", name(m), "imports", ", ".join(sorted(name(w) for w in imports[m] if w in component)))
print(f"{len(modules)} files, {len(cycles)} import cycles")
sys.exit(1 if cycles else 0)
