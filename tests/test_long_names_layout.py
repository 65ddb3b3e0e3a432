"""A laptop screen (1366×768), 40 classes with long names, a long caption and a long axis
title: every dock stays inside the window, the Preview's buttons stay fully visible, and
what does not fit is elided with the whole text in its tooltip (issue #21)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from gui_helpers import TIMEOUT, click_map, decoded_preview
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QDockWidget

SCREEN = (1366, 768)
N_CLASSES = 40
LONG_AXIS_TITLE = "PCA plane, turned 166° and mirrored to keep the last map's layout"


def long_named_classes():
    """40 classes of 16×16 blobs on a ring, named 'person with a very long name number k'."""
    from latentlab.data import ImageSet

    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(N_CLASSES * 6) % N_CLASSES
    angle = labels.double() * 2 * np.pi / N_CLASSES
    centres = torch.stack([8 + 5 * torch.cos(angle), 8 + 5 * torch.sin(angle)], 1).float()
    centres = centres + 0.4 * torch.randn(len(labels), 2, generator=generator)
    grid = torch.stack(torch.meshgrid(torch.arange(16.0), torch.arange(16.0), indexing="ij"))
    distance = ((grid[None] - centres[:, :, None, None]) ** 2).sum(1)
    images = (255 * torch.exp(-distance / 4)).round().to(torch.uint8)[:, None]
    names = tuple(f"person with a very long name number {k}" for k in range(N_CLASSES))
    return ImageSet("people", images, labels, names, torch.arange(len(labels)) % 3 == 0)


@pytest.fixture
def explored(qtbot, window):
    """The window at 1366×768 exploring a 1-epoch VAE of the 40 classes, its classifier
    ready (so captions say 'looks like person with a very long name number k')."""
    from latentlab.config import ModelConfig, TrainConfig
    from latentlab.training import DatasetInfo, Trainer

    dataset = long_named_classes()
    trainer = Trainer(
        ModelConfig(kind="vae", latent_dim=8),
        TrainConfig(epochs=1, batch_size=32),
        dataset,
        dataset_info=DatasetInfo(name="people", class_names=dataset.class_names),
    )
    for _ in trainer.run():
        pass
    window.resize(*SCREEN)
    explorer = window.explorer
    with qtbot.waitSignals([explorer.map_ready, explorer.classifier.ready], timeout=TIMEOUT):
        explorer.set_model(trainer.model.eval(), dataset)
    # The map is fitted and measured on workers; let them settle before the checks.
    qtbot.waitUntil(lambda: not window.busy_label.text(), timeout=TIMEOUT)
    return window


def fully_visible(widget) -> bool:
    """Whether no part of ``widget`` is clipped by its parents (a scroll area's viewport,
    a dock too narrow for it)."""
    region = widget.visibleRegion()
    return region.boundingRect() == widget.rect() and region.rectCount() == 1


def inside(rect: QRect, outer: QRect) -> bool:
    return outer.contains(rect.topLeft()) and outer.contains(rect.bottomRight())


def hover_point(window, row: int) -> None:
    viewport = window.map.plot_widget.viewport()
    pos = window.map.data_to_viewport(*window.map.points.xy[row])
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(pos),
        QPointF(viewport.mapToGlobal(pos)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, event)


def test_docks_and_buttons_fit_a_laptop_screen_with_long_names(qtbot, explored):
    window = explored
    assert (window.width(), window.height()) == SCREEN
    data = window.explorer.map_data
    centre = np.median(data.xy[data.cloud.labels == 14], axis=0)
    decoded_preview(qtbot, window, lambda: click_map(qtbot, window, *centre))
    row = int(np.flatnonzero(data.cloud.labels == 14)[0])
    with qtbot.waitSignal(window.map.point_hovered, timeout=TIMEOUT):
        hover_point(window, row)
    window.map.set_axis_labels(LONG_AXIS_TITLE, "PC 1 + 2 (12%)")
    QApplication.processEvents()  # the layouts settle (no waiting: nothing is pending)

    dock = window.preview_dock
    caption, title = dock.caption, dock.hover_title
    assert "looks like person with a very long name number" in caption.text()
    assert "person with a very long name number 14" in title.text()
    # Too long for the dock: drawn elided, the whole text in the tooltip.
    for label in (caption, title):
        assert label.fontMetrics().horizontalAdvance(label.text()) > label.width()
        assert label.toolTip() == label.text()

    window_rect = window.rect()
    for each in window.findChildren(QDockWidget):
        if each.isVisible() and not each.visibleRegion().isEmpty():  # not a hidden tab
            assert inside(each.geometry(), window_rect), each.objectName()
    scroll = dock.widget()
    assert scroll.widget().width() <= scroll.viewport().width()  # nothing cut on the right
    for button in (dock.use_as_a, dock.use_as_b, dock.export, dock.point_as_a, dock.point_as_b):
        assert button.isEnabled() and fully_visible(button), button.text()
        corner = button.mapTo(window, QPoint(0, 0))
        assert inside(QRect(corner, button.size()), window_rect), button.text()

    titles = window.map.axis_titles
    bottom = window.map.plot_item.getAxis("bottom")
    assert titles.shown_text("bottom").endswith("…")
    assert bottom.label.boundingRect().width() <= bottom.width()
    assert bottom.toolTip() == LONG_AXIS_TITLE

    legend = window.map.legend
    assert legend.search.isVisible() and len(legend.toggles) == N_CLASSES
    assert inside(legend.geometry(), window.map.rect())
    assert legend.width() <= 220 and window.map.plot_widget.width() > legend.width()
    assert legend.toggles[14].shown_text().endswith("number 14")
