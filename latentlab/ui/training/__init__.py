"""Training in the app: the New training dialog, the controller that runs the job on a worker,
and the Training dock (progress, loss curves, sample and reconstruction previews, GAN health).
"""
