"""The Interpolation dock: keypoints A, B, ..., the slider and its frame, the strip, and exports."""
