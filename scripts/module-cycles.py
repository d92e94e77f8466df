#!/usr/bin/env python3
"""Fails when the modules of a crate import each other in a cycle.

Reads every crate's src/ (test modules left out): a module depends on another
when it names it by `crate::a::b`, `super::x`, or (in a mod.rs) a child `x::`.
Prints each cycle as its modules and exits 1, or prints "no cycles" per crate.

    scripts/module-cycles.py              every crate under crates/
    scripts/module-cycles.py core aws     these crates
"""
import os
import re
import sys


def modules(src):
    files = {}
    for root, _, names in os.walk(src):
        for name in names:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, src)[:-3]
            if rel.endswith("/mod"):
                rel = rel[: -len("/mod")]
            if rel in ("lib", "main"):
                continue
            files[rel.replace("/", "::")] = path
    return files


def dependencies(files):
    deps = {}
    for mod, path in files.items():
        with open(path, encoding="utf-8") as f:
            text = f.read().split("#[cfg(test)]")[0]
        text = re.sub(r"//[^\n]*", "", text)
        parent = "::".join(mod.split("::")[:-1])
        found = set()

        def longest(prefix, parts):
            for k in range(len(parts), 0, -1):
                cand = "::".join(([prefix] if prefix else []) + parts[:k])
                if cand in files:
                    return cand
            return prefix if prefix in files else None

        for path_text in re.findall(r"crate::((?:[a-z_0-9]+::)*[a-z_0-9]+)", text):
            hit = longest("", path_text.split("::"))
            if hit:
                found.add(hit)
        for prefix, items in re.findall(r"crate::((?:[a-z_0-9]+::)*)\{([^}]*)\}", text):
            for item in items.split(","):
                item = item.strip()
                if item:
                    hit = longest("", (prefix + item).split("::"))
                    if hit:
                        found.add(hit)
        for path_text in re.findall(r"\bsuper::((?:[a-z_0-9]+::)*[a-z_0-9]+)", text):
            hit = longest(parent, path_text.split("::"))
            if hit:
                found.add(hit)
        for items in re.findall(r"\bsuper::\{([^}]*)\}", text):
            for item in items.split(","):
                item = item.strip()
                if item:
                    hit = longest(parent, item.split("::"))
                    if hit:
                        found.add(hit)
        if path.endswith("mod.rs"):
            for child in files:
                if child.startswith(mod + "::") and child.count("::") == mod.count("::") + 1:
                    name = child.split("::")[-1]
                    if re.search(r"(?<![a-z_:])" + name + r"::", text):
                        found.add(child)
        found.discard(mod)
        deps[mod] = found
    return deps


def cycles(deps):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in deps.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(deps):
        if v not in index:
            visit(v)
    return out


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates")
    crates = sys.argv[1:] or sorted(os.listdir(root))
    failed = False
    for crate in crates:
        src = os.path.join(root, crate, "src")
        if not os.path.isdir(src):
            continue
        found = cycles(dependencies(modules(src)))
        if found:
            failed = True
            for comp in found:
                print(f"{crate}: modules in a cycle: {', '.join(comp)}")
        else:
            print(f"{crate}: no cycles")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
