"""The Compare view: a second model (another checkpoint, or an earlier epoch of the run) in a
second map beside the first, with linked selection, clicks decoded in both and a two-up
preview. Its controller keeps a second explorer state for B."""
