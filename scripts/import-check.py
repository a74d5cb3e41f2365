#!/usr/bin/env python3
"""Fails when two files of src/ import each other (directly or round a longer loop), or when a
part of the crate imports a part that docs/architecture.md's table "Which part may use which"
does not allow it.

A file's imports are the `crate::…`, `super::…` and `self::…` paths it names, braced lists
(`super::{A, b::C}`) included (test modules and comments, doc links included, left out),
each resolved to the file that defines the module it reaches; a `mod.rs` whose code uses its
own child (`use child::…`, or a path such as `child::f()` in its code) imports that child. A
re-export (`pub use child::…`, `pub(crate) use child::…`) is the module's face, not a use by
its code: it imports nothing.
A part is a folder of src/ or a file at its top (`reply`, `config`…).

    python3 scripts/import-check.py               # src/ against docs/architecture.md
    python3 scripts/import-check.py SRC TABLE     # another tree or table
    python3 scripts/import-check.py --self-test   # shows that a forbidden import and a cycle fail it
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def self_test(file, line, expected, what):
    """Checks a copy of src/ with `line` added to `file`: the check must fail, saying `expected`."""
    with tempfile.TemporaryDirectory() as scratch:
        tree = os.path.join(scratch, "src")
        shutil.copytree(os.path.join(HERE, "..", "src"), tree)
        with open(os.path.join(tree, *file.split("/")), "a", encoding="utf-8") as f:
            f.write(f"\n#[allow(unused_imports)]\n{line}\n")
        table = os.path.join(HERE, "..", "docs", "architecture.md")
        run = subprocess.run([sys.executable, __file__, tree, table], capture_output=True, text=True)
        print(run.stdout, end="")
        if run.returncode == 0 or expected not in run.stdout:
            sys.exit(f"self-test: {what} was not reported")
        print(f"self-test: {what} fails the check, as it must")


if sys.argv[1:] == ["--self-test"]:
    # The domain imports the application, which the table forbids.
    self_test("domain/mod.rs", "use crate::app::App;", "domain may not use app",
              "the forbidden import domain -> app")
    # state/clock.rs uses its parent, which uses it: a cycle, written braced.
    self_test("state/clock.rs", "use super::{AppState};",
              "import cycle between: state/clock.rs, state/mod.rs",
              "the cycle state/clock.rs <-> state/mod.rs")
    # state/mod.rs names its child worlds.rs inline, which uses its parent: a cycle too.
    self_test("state/mod.rs", "const _: usize = worlds::PROBE;",
              "import cycle between: state/mod.rs, state/worlds.rs",
              "the cycle state/mod.rs <-> state/worlds.rs through an inline child path")
    sys.exit(0)

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "src")
TABLE = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "docs", "architecture.md")

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


PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_]\w*)*)(?:::\{([^;]*?)\})?")
CHILD = re.compile(r"^\s*use\s+([a-z_]\w*)::", re.M)
DECLARED = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+([a-z_]\w*)\s*;", re.M)

imports = {}
for module, path in modules.items():
    text = open(path, encoding="utf-8").read()
    text = re.split(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod tests", text)[0]
    text = re.sub(r"pub\(in [^)]*\)", "pub", text)  # a visibility names a module, imports none
    text = re.sub(r"//[^\n]*", "", text)  # comments (doc links too) import nothing
    # A module's own path; `super` of a file is its parent module.
    found = set()
    for match in PATH.finditer(text):
        base, rest, braced = match.group(1), match.group(2).split("::")[1:], match.group(3)
        if not rest and braced is None:
            continue  # `pub(super)`, `super::*`: no module named
        start = [] if base == "crate" else list(module) if base == "self" else list(module[:-1])
        while rest and rest[0] == "super":
            start, rest = start[:-1], rest[1:]
        # `crate::{a, b}` names a and b, not the crate root.
        targets = [start + rest] if rest or braced is None else []
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
    # A path that starts with a child's name in the module's own code (`child::f()`), a
    # re-export of the child (the module's face) aside.
    code = re.sub(r"^\s*pub(?:\([^)]*\))?\s+use\s[^;]*;", "", text, flags=re.M)
    for child in DECLARED.findall(code):
        if re.search(rf"(?<![\w:]){child}::", code):
            reached = file_of(list(module) + [child])
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

name = lambda m: os.path.relpath(modules[m], ROOT)
for component in cycles:
    print("import cycle between:", ", ".join(sorted(name(m) for m in component)))
    for m in sorted(component):
        print("   ", name(m), "imports", ", ".join(sorted(name(w) for w in imports[m] if w in component)))


def allowed_uses(table_path):
    """part -> the parts it may use, from the table's rows (`*`: any). The "may use" cell is
    backticked names; after a `;`, "`x` also `y`, `z`" adds to part x alone."""
    text = open(table_path, encoding="utf-8").read()
    section = text.split("## Which part may use which", 1)[1].split("\n## ", 1)[0]
    allowed = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`"):
            continue
        parts = re.findall(r"`([a-z_]+)(?:\.rs)?`", cells[0])
        segments = cells[1].split(";")
        common = set(re.findall(r"`([a-z_]+)`", segments[0]))
        if "anything" in segments[0]:
            common.add("*")
        for part in parts:
            allowed.setdefault(part, set()).update(common)
        for extra in segments[1:]:
            names = re.findall(r"`([a-z_]+)`", extra)
            if names:
                allowed.setdefault(names[0], set()).update(names[1:])
    return allowed


allowed = allowed_uses(TABLE)
part_of = lambda m: m[0] if m else "lib"
forbidden = []
for module, targets in sorted(imports.items()):
    for target in sorted(targets):
        user, used = part_of(module), part_of(target)
        if user == used:
            continue
        if user not in allowed:
            forbidden.append(f"{name(module)}: part '{user}' has no row in the table")
        elif "*" not in allowed[user] and used not in allowed[user]:
            forbidden.append(f"{name(module)} imports {name(target)}: {user} may not use {used}")
for line in forbidden:
    print("forbidden import:", line)
parts = sorted({part_of(m) for m in modules})
print(f"{len(modules)} files in {len(parts)} parts, {len(cycles)} import cycles, "
      f"{len(forbidden)} imports the table does not allow")
sys.exit(1 if cycles or forbidden else 0)
