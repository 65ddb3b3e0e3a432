"""Help › Getting started and Help › Keyboard shortcuts.

The shortcut list is read from the window's own menus, so it cannot drift from what the keys
do; the mouse gestures on the map are listed beside it.
"""

from __future__ import annotations

import html

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMenuBar, QTextBrowser, QVBoxLayout

from latentlab.jobs.training_request import default_runs_root

MAP_GESTURES = (
    ("Left click or press, anywhere", "decode that place into the Preview"),
    ("Left drag", "decode continuously while the mouse moves"),
    ("Shift + click", "add that place as the next interpolation keypoint (A, B, C, …)"),
    ("Ctrl + click", "select or unselect one point"),
    ("Hover", "show the point's image and its reconstruction"),
    ("Right or middle drag, wheel", "pan, zoom"),
    ("Double click", "fit the view to the points"),
    ("Legend: click / double click", "hide or show a class / show only that class"),
    (
        "Legend: Ctrl + click",
        "colour only the classes Ctrl+clicked; the others turn grey but can still be hovered "
        "and clicked (Colour all undoes it)",
    ),
    (
        "Legend: search (over 12 classes)",
        "type to list only the classes whose name contains the text; Enter colours only those",
    ),
    ("Escape", "cancel the lasso or rectangle being drawn"),
)


def shortcut_rows(menu_bar: QMenuBar) -> list[tuple[str, str, str]]:
    """(menu, action, keys) for every menu action that has a shortcut, in menu order."""
    rows: list[tuple[str, str, str]] = []

    def walk(actions: list[QAction], path: str) -> None:
        for action in actions:
            name = action.text().replace("&", "")
            if action.menu() is not None:
                walk(action.menu().actions(), f"{path} › {name}" if path else name)
            elif not action.shortcut().isEmpty():
                keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                rows.append((path, name, keys))

    walk(menu_bar.actions(), "")
    return rows


def shortcuts_html(menu_bar: QMenuBar) -> str:
    cells = "".join(
        f"<tr><td><b>{html.escape(keys)}</b></td><td>{html.escape(name)}</td>"
        f"<td style='color:gray'>{html.escape(menu)}</td></tr>"
        for menu, name, keys in shortcut_rows(menu_bar)
    )
    gestures = "".join(
        f"<tr><td><b>{html.escape(what)}</b></td><td>{html.escape(does)}</td></tr>"
        for what, does in MAP_GESTURES
    )
    return (
        "<h3>Keys</h3><p>They work whatever panel has focus, except that a text field keeps "
        "Home, End and the arrows for its cursor.</p>"
        f"<table cellpadding='3'>{cells}</table>"
        f"<h3>On the map</h3><table cellpadding='3'>{gestures}</table>"
    )


def getting_started_html() -> str:
    runs = html.escape(str(default_runs_root()))
    return f"""
<h3>Getting started</h3>
<ol>
<li><b>Explore a trained model.</b> On the first screen, <i>Explore a trained MNIST VAE</i>
opens a model that ships with LatentLab. Each dot on the map is the code of one test image,
placed by PCA (or t-SNE, in the Projection panel) and coloured by its class.</li>
<li><b>Click anywhere on the map</b>, also between the clusters: that place is decoded into
the image in the Preview, and a small classifier says what it looks like. Hover a dot to see
its image and its reconstruction.</li>
<li><b>Interpolate.</b> Shift-click two places (keypoints A and B), then drag the slider in the
Interpolation panel: the images morph from A to B along a path drawn on the map.</li>
<li><b>Latent math.</b> In the Items panel, select points (Ctrl-click, or the lasso) and press
<i>Make group</i>: groups are named G1, G2, … <i>Add preview</i> keeps the image you clicked as
c1, c2, … Then type an expression such as
<code class='expression'>mean(G1) - mean(G2) + c1</code> in the Latent math panel (A and B,
the interpolation keypoints, are names too).</li>
<li><b>Diffusion.</b> In the Diffusion panel, <i>Train prior</i> learns where a VAE's codes
are with a small diffusion model (a minute or two). <i>Sample with diffusion</i> draws new codes
and their denoising paths on the map; drag <i>Denoising steps</i> to watch them form from noise.
The Interpolation panel then offers <i>noise</i>: a path through the prior's noise.</li>
<li><b>Conditional models and styles.</b> A conditional VAE or DCGAN shows a <i>Class</i> box in
the Preview: decode the clicked style as any class, or mix two with the slider, and see the
style as every class. A Style GAN's <i>Style mixing</i> panel takes each resolution's styles
from A or B.</li>
<li><b>Train your own.</b> <i>Train a VAE on MNIST</i> trains on the 10,000 digits that ship
with LatentLab (the map appears after the first epoch and sharpens as training goes on);
<i>New training…</i> chooses the dataset (built in, downloaded, a folder of images or an
.npz), the model (VAE, autoencoder, DCGAN, their conditional kinds, Style GAN), β and KL
annealing, and more.</li>
</ol>
<p>Runs are saved in <code>{runs}</code> (one folder per run, with
<code>checkpoint.safetensors</code>); <i>File › Open checkpoint…</i> opens them again, and so
does dropping the file on the window.</p>
<p>The README has the details: the Projection panel's inverses, the Metrics panel, GANs, and
the command line (<code>latentlab train --help</code>).</p>
"""


class HelpDialog(QDialog):
    """A page of help text, left open beside the window while one tries it out."""

    def __init__(self, title: str, text: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(False)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(620, 560)
