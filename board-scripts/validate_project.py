#!/usr/bin/env python3
"""Week-1 validation of fpga-llm (the seed's sections 7 and 8): required files and folders, required sections in
each document, the benchmark template's columns, and a functional smoke of `./fpga-llm generate` on `tiny`.

    python3 board-scripts/validate_project.py [--root DIR] [--no-smoke] [--timeout SECONDS]

Prints one line per check (PASS/FAIL), then a summary; exits 1 if any check failed, 2 on bad arguments.
Python 3 standard library only, so it runs on a fresh clone, a laptop or the board.
"""
import argparse
import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

# The design card's top-level layout (hls-kernels and board-scripts included: the board flow lives there).
REQUIRED_DIRS = ["runtime", "ffi-bindings", "emulator", "hls-kernels", "board-scripts", "docs", "results"]

WEEKS = 12  # docs/milestones.md: one section per week, each with an exit command

REQUIRED_FILES = [
    "pom.xml", "README.md", "fpga-llm", "mvnw", ".ci/run",
    "docs/spec.md", "docs/milestones.md", "docs/stack_decision.md", "docs/spec_prompt_template.md",
    "docs/spec_input_filled.md", "docs/architecture.md", "docs/isa.md",
    "results/benchmark_template.csv",
    "board-scripts/validate_project.py", "board-scripts/run_validation_10x.sh", "board-scripts/run_validation_10x.ps1",
]

# Headings each document must have. A heading matches when, numbering and case aside, it starts with the title as a
# whole word sequence ("## 10. Performance estimate (roofline)" matches "Performance estimate"; "Week 1" does not
# match "Week 10").
REQUIRED_SECTIONS = {
    "docs/spec.md": [
        "Assumptions", "Goals", "Scope", "Model, inputs and KPIs", "Board candidates", "Decided stack", "System",
        "Deliverables", "Definition of done", "Accuracy/performance trade-offs", "Performance estimate", "Risks",
    ],
    "docs/milestones.md": [f"Week {n}" for n in range(1, WEEKS + 1)],
    "docs/stack_decision.md": [
        "Board", "Toolchain", "Native interface", "javacpp", "ONNX Runtime", "Tokenizer", "Command line", "Tests",
        "Dependencies",
    ],
    "docs/spec_prompt_template.md": ["How to use", "Inputs", "Prompt", "Output checklist"],
    "docs/spec_input_filled.md": ["Inputs", "Output"],
    "docs/architecture.md": ["Modules", "Data flow of one token", "Seed components"],
    "docs/isa.md": ["Kernel interface", "Buffers and layouts", "Program", "Nonlinear functions", "Execution and status"],
    "README.md": ["Documents"],
}

# results/benchmark_template.csv: the KPI schema shared with `fpga-llm bench`. The seed's KPI columns come first in
# importance; the others say under which conditions a figure was obtained and whether it is measured or predicted.
SEED_KPI_COLUMNS = [
    "latency_per_token_ms", "throughput_tokens_per_sec", "avg_power_w", "energy_per_token_j", "quality_drop_pct",
]
TEMPLATE_COLUMNS = [
    "date", "machine", "backend", "model", "precision", "softmax_mode", "prompt_len", "gen_tokens", "seq_len",
    "repeats", "warmup", "prefill_ms", "latency_per_token_ms", "latency_per_token_ms_min", "latency_per_token_ms_max",
    "throughput_tokens_per_sec", "predicted_kv260_prefill_ms", "predicted_kv260_latency_per_token_ms", "avg_power_w",
    "idle_power_w", "energy_per_token_j", "power_source", "quality_drop_pct",
]

SMOKE_PROMPT = "Hello, my name is"
SMOKE_PROMPT_TOKENS = 5  # GPT-2 BPE: "Hello" "," " my" " name" " is"
SMOKE_MAX_NEW = 8
SMOKE_ARGS = ["generate", "--model", "tiny", "--max-new-tokens", str(SMOKE_MAX_NEW), SMOKE_PROMPT]

HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^ {0,3}(```|~~~)")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


class Report:
    def __init__(self):
        self.failures = 0
        self.checks = 0

    def check(self, name, problems, ok_detail=""):
        """One line per check: PASS with a short detail, or FAIL with every problem found."""
        self.checks += 1
        if problems:
            self.failures += 1
            print(f"FAIL  {name}: {'; '.join(problems)}")
        else:
            print(f"PASS  {name}" + (f" ({ok_detail})" if ok_detail else ""))
        sys.stdout.flush()


def normalize(title):
    t = title.strip().lower()
    t = re.sub(r"^(\d+(\.\d+)*[.)]?\s+)", "", t)  # "6.", "10)", "3.2 "
    t = re.sub(r"[*_`]", "", t)
    return re.sub(r"\s+", " ", t).strip()


def headings(text):
    """(level, title, line index) of the ATX headings outside fenced code blocks."""
    found, fenced = [], False
    for i, line in enumerate(text.splitlines()):
        if FENCE.match(line):
            fenced = not fenced
            continue
        m = None if fenced else HEADING.match(line)
        if m:
            found.append((len(m.group(1)), m.group(2), i))
    return found


def title_matches(heading, title):
    """Numbering and case aside, the heading starts with the title's whole words."""
    h, want = normalize(heading), normalize(title)
    return h.startswith(want) and (len(h) == len(want) or not h[len(want)].isalnum())


def has_heading(found, title):
    return any(title_matches(h, title) for _, h, _ in found)


def section_body(text, title):
    """The lines under the first heading matching `title`, up to the next heading of the same or a higher level."""
    lines = text.splitlines()
    found = headings(text)
    for n, (level, h, start) in enumerate(found):
        if title_matches(h, title):
            end = next((i for lv, _, i in found[n + 1:] if lv <= level), len(lines))
            return lines[start + 1:end]
    return None


def read(root, rel):
    """(text, None), or (None, why it cannot be read)."""
    try:
        return (root / rel).read_text(encoding="utf-8"), None
    except FileNotFoundError:
        return None, f"{rel} is missing"
    except UnicodeDecodeError:
        return None, f"{rel} is not UTF-8 text"
    except OSError as e:
        return None, f"{rel} cannot be read: {e.strerror}"


def check_layout(root, report):
    missing = [f"folder {d}/ is missing" for d in REQUIRED_DIRS if not (root / d).is_dir()]
    report.check("required folders", missing, f"{len(REQUIRED_DIRS)} present")
    missing = [f"file {f} is missing" for f in REQUIRED_FILES if not (root / f).is_file()]
    report.check("required files", missing, f"{len(REQUIRED_FILES)} present")


def check_sections(root, report):
    for doc, titles in REQUIRED_SECTIONS.items():
        text, why = read(root, doc)
        if text is None:
            report.check(f"sections of {doc}", [why])
            continue
        found = headings(text)
        missing = [t for t in titles if not has_heading(found, t)]
        problems = [f"{doc}: missing section '{t}' (a heading such as '## {t}')" for t in missing]
        report.check(f"sections of {doc}", problems, f"all {len(titles)} required sections present")


def check_milestone_exits(root, report):
    """Every week names a verifiable exit criterion: a line starting 'Exit' that holds a `command`."""
    doc = "docs/milestones.md"
    text, why = read(root, doc)
    if text is None:
        report.check("milestone exit criteria", [why])
        return
    problems = []
    for n in range(1, WEEKS + 1):
        body = section_body(text, f"Week {n}")
        if body is None:
            continue  # reported by the section check
        exits = [l for l in body if re.match(r"^\s*([-*]\s+)?(\*\*)?exit", l, re.IGNORECASE)]
        if not any("`" in l for l in exits):
            problems.append(f"{doc}: Week {n} has no exit criterion (a line 'Exit: `command` ...')")
    report.check("milestone exit criteria", problems, f"{WEEKS} weeks, each with an exit command")


def check_prompt_inputs(root, report):
    """Every {{INPUT}} of the prompt template has a filled-in value in spec_input_filled.md."""
    (template, why_t), (filled, why_f) = read(root, "docs/spec_prompt_template.md"), read(root, "docs/spec_input_filled.md")
    if template is None or filled is None:
        report.check("template inputs filled", [why for why in (why_t, why_f) if why])
        return
    names = sorted(set(re.findall(r"\{\{([A-Z0-9_]+)\}\}", template)))
    values = {}
    for line in filled.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.lstrip().startswith("|") else []
        if len(cells) >= 2:
            values[cells[0].strip("`{}")] = cells[1]
    problems = [f"docs/spec_input_filled.md: no value for template input {n} (a table row '| `{n}` | value |')"
                for n in names if not values.get(n)]
    if not names:
        problems.append("docs/spec_prompt_template.md: no {{INPUT}} placeholders found")
    report.check("template inputs filled", problems, f"{len(names)} inputs")


def check_links(root, report):
    """Relative links in the required documents point at files or folders that exist."""
    problems = []
    for doc in REQUIRED_SECTIONS:
        text, _ = read(root, doc)
        if text is None:
            continue  # reported by the section check
        for target in dict.fromkeys(LINK.findall(text)):  # each target once, in order
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
                continue  # http:, https:, mailto: and in-page anchors
            path = target.split("#", 1)[0]
            if path and not ((root / doc).parent / path).exists():
                problems.append(f"{doc}: link to {target} does not resolve")
    report.check("document links", problems, "all relative links resolve")


def check_template(root, report):
    rel = "results/benchmark_template.csv"
    try:
        with open(root / rel, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        report.check("benchmark template columns", [f"{rel} cannot be read: {e}"])
        return
    if not rows:
        report.check("benchmark template columns", [f"{rel} is empty: it needs the KPI header"])
        return
    header = [c.strip() for c in rows[0]]
    problems = [f"{rel}: missing seed KPI column '{c}'" for c in SEED_KPI_COLUMNS if c not in header]
    problems += [f"{rel}: missing column '{c}'" for c in TEMPLATE_COLUMNS if c not in header and c not in SEED_KPI_COLUMNS]
    problems += [f"{rel}: column '{c}' appears {header.count(c)} times" for c in sorted(set(header)) if header.count(c) > 1]
    problems += [f"{rel}: line {i + 1} has {len(r)} fields, the header {len(header)}"
                 for i, r in enumerate(rows[1:], start=1) if r and len(r) != len(header)]
    report.check("benchmark template columns", problems,
                 f"{len(header)} columns incl. the seed's {len(SEED_KPI_COLUMNS)} KPIs, {len(rows) - 1} data rows")


def launcher_command(root):
    """How to start ./fpga-llm here, or an error saying why it cannot be."""
    launcher = root / "fpga-llm"
    if not launcher.is_file():
        return None, "fpga-llm launcher is missing"
    if os.name == "nt":  # the launcher is a bash script: Git Bash or WSL on Windows
        bash = shutil.which("bash")
        if not bash:
            return None, "the smoke needs bash to run ./fpga-llm (Git Bash or WSL); or pass --no-smoke"
        return [bash, "fpga-llm"], None
    if not os.access(launcher, os.X_OK):
        return None, "fpga-llm is not executable (chmod +x fpga-llm)"
    return [str(launcher)], None


def run(cmd, cwd, timeout):
    """Runs cmd in its own process group so that a timeout also stops a build it started."""
    popen_args = {"start_new_session": True} if os.name != "nt" else {}
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                         **popen_args)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        if os.name != "nt":
            os.killpg(p.pid, signal.SIGKILL)
        else:
            p.kill()
        p.communicate()
        return None, "", ""
    return p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def smoke_problems(code, out, err):
    """What is wrong with the output of `fpga-llm generate` (empty list: nothing)."""
    if code != 0:
        first = next((l for l in err.splitlines() if l.strip()), "no message on stderr")
        return [f"exit code {code}, expected 0 (stderr: {first})"]
    problems = []
    if "\tat " in err or "Exception in thread" in err:
        problems.append("stderr holds a stack trace")
    if not out.startswith(SMOKE_PROMPT):
        problems.append(f"stdout does not start with the prompt '{SMOKE_PROMPT}'")
    stats = {}
    for line in out.splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            stats.setdefault(key.strip(), value.strip())
    number = r"[0-9]+(\.[0-9]+)?"
    expected = {
        "prompt tokens": (r"[0-9]+", lambda v: int(v) == SMOKE_PROMPT_TOKENS, f"{SMOKE_PROMPT_TOKENS}"),
        "generated tokens": (r"[0-9]+", lambda v: 1 <= int(v) <= SMOKE_MAX_NEW, f"1..{SMOKE_MAX_NEW}"),
        "prefill (time to first token)": (number + r" ms", None, "'<number> ms'"),
        "latency per generated token": (number + r" ms \(" + number + r" tokens/s\)|n/a.*", None,
                                        "'<number> ms (<number> tokens/s)'"),
    }
    for key, (pattern, ok, want) in expected.items():
        value = stats.get(key)
        if value is None:
            problems.append(f"no line '{key}:' in stdout")
        elif not re.fullmatch(pattern, value) or (ok and not ok(value)):
            problems.append(f"'{key}: {value}', expected {want}")
    return problems


def check_smoke(root, report, timeout):
    name = f"smoke: ./fpga-llm {' '.join(SMOKE_ARGS[:-1])} \"{SMOKE_PROMPT}\""
    cmd, why = launcher_command(root)
    if cmd is None:
        report.check(name, [why])
        return
    started = time.monotonic()
    code, out, err = run(cmd + SMOKE_ARGS, root, timeout)
    seconds = time.monotonic() - started
    if code is None:
        report.check(name, [f"no answer within {timeout} s (stopped; --timeout raises the limit)"])
        return
    problems = smoke_problems(code, out, err)
    generated = re.search(r"^generated tokens:\s*([0-9]+)", out, re.MULTILINE)
    report.check(name, problems, f"exit 0, {generated.group(1) if generated else '?'} tokens generated, {seconds:.1f} s")


def main(argv):
    p = argparse.ArgumentParser(description="Week-1 validation of fpga-llm: files, document sections, benchmark "
                                            "template, functional smoke.")
    p.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                   help="project root to check (default: the checkout holding this script)")
    p.add_argument("--no-smoke", action="store_true", help="skip running ./fpga-llm generate")
    p.add_argument("--timeout", type=float, default=900,
                   help="seconds the smoke may take, including a first build of the jar (default 900)")
    a = p.parse_args(argv)
    if not a.timeout > 0:
        p.error("--timeout must be a positive number of seconds")
    root = a.root.resolve()
    if not root.is_dir():
        print(f"validate_project: --root {a.root} is not a folder", file=sys.stderr)
        return 2

    print(f"fpga-llm week-1 validation of {root}")
    report = Report()
    check_layout(root, report)
    check_sections(root, report)
    check_milestone_exits(root, report)
    check_prompt_inputs(root, report)
    check_links(root, report)
    check_template(root, report)
    if a.no_smoke:
        print("SKIP  smoke (--no-smoke)")
    else:
        check_smoke(root, report, a.timeout)
    passed = report.checks - report.failures
    print(f"validation {'PASSED' if report.failures == 0 else 'FAILED'}: {passed}/{report.checks} checks passed")
    return 0 if report.failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
