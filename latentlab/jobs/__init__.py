"""The app's long jobs, without Qt: plain functions and generators that a worker thread runs
(the app through superqt's workers, the CLI directly) and the requests that start them.

``training_request``: what a run is (TrainingRequest), its defaults, run folders and the checks
of what a user typed; ``training``: the training job; ``models``: opening a checkpoint or an
adapter; ``maps``: encoding, projecting and placing; ``latents``: encoding a user's image.
"""
