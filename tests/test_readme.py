"""The README's examples run as written: its shell commands parse with the CLI and match what
CI installs, and its latent-math expressions evaluate in the app on the items it says exist."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re
import shlex
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import click_map, decoded_preview, open_and_wait

from latentlab.cli import SUBCOMMANDS, build_parser, launch_gui

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)


def shell_lines(block: str) -> list[str]:
    """Logical lines (backslash continuations joined), comments and blanks left out."""
    joined = re.sub(r"\\\n\s*", " ", block)
    return [line.strip() for line in joined.splitlines() if line.strip() and line[0] != "#"]


def with_and_without_optional_parts(line: str) -> list[str]:
    """`info X [--json]`: both `info X` and `info X --json` (N stands for a number)."""
    bare = re.sub(r"\s*\[[^\]]*\]", "", line)
    full = re.sub(r"\[([^\]]*)\]", r"\1", line).replace(" N", " 100")
    return [bare, full]


LATENTLAB_LINES = [
    variant
    for block in shell_blocks(README)
    for line in shell_lines(block)
    if line.startswith("latentlab")
    for variant in with_and_without_optional_parts(line)
]


def test_the_readme_has_command_line_examples():
    assert len(LATENTLAB_LINES) >= 10


@pytest.mark.parametrize("line", LATENTLAB_LINES)
def test_every_latentlab_command_in_the_readme_parses(line, monkeypatch, capsys):
    words = shlex.split(line)[1:]
    if words and words[0] in SUBCOMMANDS:
        args = build_parser().parse_args(words)  # argparse exits (SystemExit) on a bad option
        assert callable(args.run)
    else:  # the app itself: parse only, never open a window here
        import latentlab.ui.app

        monkeypatch.setattr(latentlab.ui.app, "run_app", lambda checkpoint=None: 0)
        assert launch_gui(words) == 0


def test_the_set_up_commands_are_what_ci_runs():
    """CI installs what the README says: the CPU-only torch, then the project with its test
    extra, then the README's test command."""
    install, test = (shell_lines(block)[0] for block in shell_blocks(README)[:2])
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    torch_step = re.search(r"pip install (torch\S* --extra-index-url \S+)", install).group(1)
    assert torch_step in test
    assert f"$PIP install --quiet {torch_step}" in ci
    assert (
        '.venv/bin/pip install -e ".[test]"' in test and '$PIP install --quiet -e ".[test]"' in ci
    )
    assert test.endswith("QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest")
    assert "export QT_QPA_PLATFORM=offscreen" in ci and '"$VENV/bin/python" -m pytest\n' in ci
    assert install.endswith(".venv/bin/pip install -e . && .venv/bin/latentlab")


def expression_examples() -> list[str]:
    """The code spans of the README's "for example" expressions and the Getting started
    page's."""
    from latentlab.ui.dialogs.help_pages import getting_started_html

    bullet = README[README.index("- **Expressions.**") :]
    sentence = bullet[: bullet.index("Supported are")]
    spans = re.findall(r"`([^`]+)`", sentence)
    spans += re.findall(r"<code class='expression'>([^<]+)</code>", getting_started_html())
    return [span for span in spans if any(ch in span for ch in "+-*/(")]


def test_the_readme_names_expression_examples():
    examples = expression_examples()
    assert "mean(G1) - mean(G2) + c1" in examples and "0.5*A + 0.5*B" in examples


def test_every_expression_example_evaluates_on_the_items_the_readme_says_exist(
    qtbot, window, digits_checkpoint
):
    """Two groups (G1, G2), a kept preview (c1), keypoints A and B, made the way the README
    says; renamed groups for the examples that use `thick` and `thin`."""
    open_and_wait(qtbot, window, digits_checkpoint)
    workbench, data = window.workbench, window.explorer.map_data
    for label in (1, 7):
        window.map.set_selection(np.flatnonzero(data.cloud.labels == label), notify=True)
        workbench.make_group()
    x0, x1, y0, y1 = window.map.view_range()
    for fx, fy in ((0.3, 0.3), (0.7, 0.6)):
        place = (x0 + fx * (x1 - x0), y0 + fy * (y1 - y0))
        decoded_preview(qtbot, window, lambda place=place: click_map(qtbot, window, *place))
        window.explorer.use_preview_as_keypoint(len(window.state.keypoints))
    workbench.add_preview()
    assert {"G1", "G2", "c1"} <= set(workbench.items.names())
    renamed = False
    for expression in sorted(expression_examples(), key=lambda e: "thick" in e):
        if "thick" in expression and not renamed:
            workbench.rename("G1", "thick")
            workbench.rename("G2", "thin")
            renamed = True
        latent = workbench.evaluate(expression, show=False)
        message = window.arithmetic_dock.expression_message.text()
        assert latent is not None, f"{expression!r} did not evaluate: {message}"
        assert latent.shape == (window.explorer.model.latent_dim,)
