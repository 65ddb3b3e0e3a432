"""numpy images <-> Qt pixmaps."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap


def array_to_qimage(image: np.ndarray) -> QImage:
    """uint8 H×W, H×W×1 or H×W×3 -> a QImage that owns a copy of the pixels."""
    image = np.ascontiguousarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = np.ascontiguousarray(image[:, :, 0])
    if image.dtype != np.uint8:
        raise ValueError(f"expected uint8 pixels, got {image.dtype}")
    h, w = image.shape[:2]
    if image.ndim == 2:
        qimage = QImage(image.data, w, h, w, QImage.Format.Format_Grayscale8)
    elif image.shape[2] == 3:
        qimage = QImage(image.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    else:
        raise ValueError(f"expected 1 or 3 channels, got shape {image.shape}")
    return qimage.copy()  # detach from the numpy buffer, which may be freed


def array_to_pixmap(image: np.ndarray, size: int | None = None) -> QPixmap:
    """A pixmap of the image, scaled (keeping pixels sharp) to fit ``size``×``size`` if given."""
    pixmap = QPixmap.fromImage(array_to_qimage(image))
    if size is not None:
        pixmap = pixmap.scaled(
            size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
        )
    return pixmap
