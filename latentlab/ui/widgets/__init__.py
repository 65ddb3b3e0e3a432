"""Small widgets and helpers the rooms share: image views, elided labels, scroll areas,
collapsible sections, numpy images to QImage.
"""
