"""Qt views of LatentLab: the only package that imports PySide6 and pyqtgraph."""
