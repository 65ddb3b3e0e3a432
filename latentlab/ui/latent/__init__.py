"""Latent math in the app: the Items dock (selection tools, groups, kept latents), the Latent
math dock (expressions, attribute vectors), traversals, and encoding or reopening files.
"""
