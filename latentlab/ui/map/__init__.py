"""The latent map: the scatter widget and its layers (points, raster, grid, legend, selection,
markers, animation), the controller that makes maps on workers, and the Projection panel.
"""
