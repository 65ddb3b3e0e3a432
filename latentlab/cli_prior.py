"""``latentlab train-prior``: a diffusion prior on a checkpoint's codes, without the GUI."""

from __future__ import annotations

import argparse
import signal
import sys


def add_train_prior_parser(sub) -> None:
    parser = sub.add_parser(
        "train-prior",
        help="train a diffusion prior on a VAE's or AE's codes",
        description="Learn the distribution of a checkpoint's codes of its training split with "
        "a small diffusion model (DDPM objective, cosine schedule), sampled with DDIM. The "
        "prior is written beside the checkpoint (run.prior.safetensors) and linked to its "
        "weights. Ctrl-C stops between steps and saves what was trained; --resume continues.",
    )
    parser.add_argument("checkpoint", help="a LatentLab VAE or autoencoder checkpoint")
    parser.add_argument("--out", help="where to write the prior (default: beside the checkpoint)")
    parser.add_argument("--steps", type=int, help="optimizer steps in all (default 4000)")
    parser.add_argument("--batch-size", type=int, help="codes per step (default 256)")
    parser.add_argument("--lr", type=float, help="Adam's learning rate (default 2e-3)")
    parser.add_argument("--hidden", type=int, default=256, help="width of the denoiser")
    parser.add_argument("--blocks", type=int, default=3, help="residual blocks of the denoiser")
    parser.add_argument(
        "--unconditional", action="store_true", help="ignore the labels (no class guidance)"
    )
    parser.add_argument("--resume", help="a stopped prior of this checkpoint to continue")
    parser.add_argument("--dataset", help="the data to encode, if not the checkpoint's own")
    parser.add_argument("--data-root", help="where datasets are kept")
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(run=run_train_prior)


def run_train_prior(args: argparse.Namespace) -> int:
    from latentlab.cli_progress import stop_once
    from latentlab.config import ConfigError
    from latentlab.data import DatasetError
    from latentlab.jobs.priors import CodesProgress, PriorRequest, train_prior_job
    from latentlab.training import CheckpointError, TrainingControl, load_checkpoint
    from latentlab.training.data_source import reopen_dataset
    from latentlab.training.prior_file import default_prior_path, load_prior
    from latentlab.training.prior_training import PriorStep, PriorTrainConfig, PriorTrained

    try:
        checkpoint = load_checkpoint(args.checkpoint)
        if not checkpoint.model.has_encoder:
            raise ConfigError(
                f"{args.checkpoint}: a {checkpoint.model.kind} has no encoder, and a diffusion "
                "prior learns an autoencoder's codes"
            )
        dataset = reopen_dataset(checkpoint.dataset, spec=args.dataset, data_root=args.data_root)
        resume = load_prior(args.resume) if args.resume else None
        if resume is not None and resume.resume is None:
            raise CheckpointError(f"{args.resume}: has no training state to continue from")
        base = resume.train_config.to_dict() if resume is not None else {}
        defaults = PriorTrainConfig()
        train_config = PriorTrainConfig(
            **{
                **base,
                "steps": args.steps or base.get("steps", defaults.steps),
                "batch_size": args.batch_size or base.get("batch_size", defaults.batch_size),
                "learning_rate": args.lr or base.get("learning_rate", defaults.learning_rate),
                "seed": args.seed,
            }
        )
    except (CheckpointError, DatasetError, ConfigError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = args.out or str(default_prior_path(args.checkpoint))
    request = PriorRequest(
        train_config,
        conditional=not args.unconditional,
        hidden_dim=args.hidden,
        blocks=args.blocks,
        save_path=out,
        resume=resume,
    )
    control = TrainingControl()
    previous = signal.signal(signal.SIGINT, lambda *_: stop_once(control, previous))
    job = train_prior_job(checkpoint.model.eval(), dataset, request, control)
    try:
        while True:
            try:
                record = next(job)
            except StopIteration as done:
                prior_file = done.value
                break
            if isinstance(record, CodesProgress) and record.done == record.total:
                print(f"Encoded {record.total:,} training images of {dataset.name}")
            elif isinstance(record, PriorStep) and record.step % 500 == 0:
                print(
                    f"step {record.step:>6,}/{record.total_steps:,}  loss {record.loss:.4f}  "
                    f"{record.elapsed_seconds:.0f} s"
                )
            elif isinstance(record, PriorTrained) and record.stopped:
                print(f"stopped at step {record.step:,} of {record.total_steps:,}")
    except (ValueError, FloatingPointError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGINT, previous)
    if prior_file is None:
        print("stopped before any training; nothing written", file=sys.stderr)
        return 1
    print(f"wrote {out}: {prior_file.describe()}")
    return 0
