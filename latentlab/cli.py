"""The ``latentlab`` command: the GUI by default; ``train``, ``eval`` and ``info`` subcommands."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path

from latentlab import __version__
from latentlab.config import (
    ARCHITECTURES,
    LEARNING_RATE_SCHEDULES,
    ConfigError,
    ModelConfig,
    TrainConfig,
)
from latentlab.gan_losses import GAN_LOSSES
from latentlab.model_kinds import MODEL_KINDS

SUBCOMMANDS = ("train", "train-prior", "eval", "info")
DEFAULT_DATASET = "digits"  # what `latentlab train` trains on when no --dataset is given


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in SUBCOMMANDS:
        args = build_parser().parse_args(argv)
        return args.run(args)
    return launch_gui(argv)


def launch_gui(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="latentlab",
        description="Explore the latent spaces of VAEs and GANs. Without a subcommand, opens "
        "the desktop app (optionally with a checkpoint).",
        epilog="Subcommands: latentlab train --help, latentlab train-prior --help, latentlab eval "
        "--help, latentlab info --help",
    )
    parser.add_argument("checkpoint", nargs="?", help="a LatentLab checkpoint to open")
    parser.add_argument("--version", action="version", version=f"LatentLab {__version__}")
    args = parser.parse_args(argv)
    from latentlab.ui.app import run_app

    return run_app(args.checkpoint)


def build_parser() -> argparse.ArgumentParser:
    from latentlab.data import describe_sources

    parser = argparse.ArgumentParser(prog="latentlab")
    parser.add_argument("--version", action="version", version=f"LatentLab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser(
        "train",
        help="train a model without the GUI",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train a VAE, autoencoder or DCGAN and write a checkpoint.\n\n"
        + describe_sources(),
    )
    data = train.add_argument_group("data")
    data.add_argument(
        "--dataset",
        help="dataset spec (default: digits; with --resume: the checkpoint's, looked for in "
        "--data-root and never downloaded, and a folder or .npz only when passed here)",
    )
    data.add_argument("--data-root", help="folder for downloaded datasets (default: user cache)")
    data.add_argument("--image-size", type=int, help="resize images to this many pixels square")
    data.add_argument("--channels", type=int, choices=(1, 3), help="grayscale (1) or RGB (3)")
    model = train.add_argument_group("model")
    model.add_argument("--model", default="vae", choices=MODEL_KINDS.names(), help="default: vae")
    model.add_argument("--arch", default="conv", choices=ARCHITECTURES, help="default: conv")
    model.add_argument("--latent-dim", type=int, help="2..512 (default: per dataset)")
    model.add_argument("--hidden-dim", type=int, default=400, help="mlp hidden width")
    model.add_argument("--base-channels", type=int, help="conv width (default: per dataset)")
    model.add_argument("--beta", type=float, default=1.0, help="VAE: weight of the KL term")
    model.add_argument(
        "--kl-anneal-epochs",
        type=int,
        default=0,
        help="VAE: ramp the KL weight from 0 to beta over this many epochs",
    )
    model.add_argument("--gan-loss", default="non-saturating", choices=GAN_LOSSES.names())
    run = train.add_argument_group("training")
    run.add_argument("--epochs", type=int, help="default: per dataset")
    run.add_argument("--batch-size", type=int, help="default: per dataset")
    run.add_argument("--lr", type=float, help="learning rate (default: 1e-3, DCGAN 2e-4)")
    run.add_argument(
        "--lr-schedule",
        default="constant",
        choices=LEARNING_RATE_SCHEDULES,
        help="cosine: fall from --lr to 0 over the run's epochs (long runs end better; "
        "--resume with more epochs stretches the curve)",
    )
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, mps")
    run.add_argument(
        "--compile",
        default="auto",
        choices=("auto", "on", "off"),
        help="torch.compile the losses (auto: on CUDA only)",
    )
    run.add_argument(
        "--precision",
        default="auto",
        choices=("auto", "fp32", "bf16"),
        help="bf16 autocast (auto: on CPUs with native bf16, else fp32)",
    )
    run.add_argument(
        "--binarize",
        action="store_true",
        help="dynamic binarization: train on x ~ Bernoulli(pixel intensity), re-drawn for every "
        "batch (the setting of published MNIST likelihoods)",
    )
    run.add_argument(
        "--no-sample-quality",
        action="store_true",
        help="dcgan: skip the Fréchet distance and class census printed after every epoch",
    )
    run.add_argument("--preview-every", type=int, default=200, help="steps between previews")
    run.add_argument(
        "--out", help="run folder (default: ~/LatentLab/runs/DATASET-MODEL-TIME, as the app's)"
    )
    run.add_argument("--resume", metavar="CKPT", help="continue training from a checkpoint")
    train.set_defaults(run=run_train)

    _add_eval_parser(sub)

    info = sub.add_parser("info", help="describe a checkpoint")
    info.add_argument("checkpoint")
    info.add_argument("--json", action="store_true", help="print the metadata as JSON")
    info.set_defaults(run=run_info)

    from latentlab.cli_prior import add_train_prior_parser

    add_train_prior_parser(sub)
    return parser


def run_train(args: argparse.Namespace) -> int:
    from latentlab.data import DatasetError
    from latentlab.jobs.training_request import default_run_dir
    from latentlab.training import CheckpointError, TrainingControl, load_checkpoint
    from latentlab.training.data_source import open_dataset, reopen_dataset

    try:
        if args.resume:
            checkpoint = load_checkpoint(args.resume)
            if checkpoint.optimizer_states is None or checkpoint.training.train_config is None:
                raise CheckpointError(f"{args.resume}: has no training state to resume from")
            dataset = reopen_dataset(
                checkpoint.dataset, spec=args.dataset, data_root=args.data_root
            )
            info, model_config = checkpoint.dataset, checkpoint.model_config
            saved = checkpoint.training.train_config
            train_config = TrainConfig.from_dict(
                {
                    **saved.to_dict(),
                    "epochs": args.epochs or saved.epochs,
                    "learning_rate": args.lr or saved.learning_rate,
                }
            )
            run_dir = Path(args.out) if args.out else Path(args.resume).parent
        else:
            checkpoint = None
            dataset, info = open_dataset(
                args.dataset or DEFAULT_DATASET,
                data_root=args.data_root,
                image_size=args.image_size,
                channels=args.channels,
            )
            model_config, train_config = configs_from_args(args, int((~dataset.test_mask).sum()))
            _print_plan(train_config, int((~dataset.test_mask).sum()), args.model)
            run_dir = Path(args.out or default_run_dir(args.dataset or DEFAULT_DATASET, args.model))
    except (DatasetError, CheckpointError, ConfigError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return _train(
        model_config,
        train_config,
        dataset,
        info,
        run_dir,
        checkpoint,
        TrainingControl(),
        quality=not args.no_sample_quality,
    )


def configs_from_args(
    args: argparse.Namespace, train_images: int
) -> tuple[ModelConfig, TrainConfig]:
    """The run the arguments ask for; epochs and batch size not given are planned for
    ``train_images`` training images (``latentlab.training_plan``)."""
    from latentlab.presets import preset_for
    from latentlab.training_plan import plan_training

    preset = preset_for(args.dataset or DEFAULT_DATASET)
    plan = plan_training(preset, args.model, train_images)
    model_config = ModelConfig(
        kind=args.model,
        architecture=args.arch,
        latent_dim=args.latent_dim or preset.latent_dim,
        hidden_dim=args.hidden_dim,
        base_channels=args.base_channels or preset.base_channels,
        beta=args.beta,
        kl_anneal_epochs=args.kl_anneal_epochs,
        gan_loss=args.gan_loss,
    )
    train_config = TrainConfig(
        epochs=args.epochs or plan.epochs,
        batch_size=args.batch_size or plan.batch_size,
        learning_rate=args.lr,
        seed=args.seed,
        device=args.device,
        compile=args.compile,
        precision=args.precision,
        preview_every=args.preview_every,
        binarize=args.binarize,
        lr_schedule=args.lr_schedule,
    )
    return model_config, train_config


def _print_plan(train: TrainConfig, train_images: int, kind: str) -> None:
    from latentlab.training_plan import steps_per_epoch, too_few_steps

    per_epoch = steps_per_epoch(train_images, train.batch_size)
    steps = train.epochs * per_epoch
    print(
        f"plan: {steps:,} optimizer steps ({train.epochs} epochs × {per_epoch:,} steps of "
        f"{train.batch_size} on {train_images:,} training images)"
    )
    warning = too_few_steps(steps, kind)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)


def _train(
    model_config, train_config, dataset, info, run_dir, checkpoint, control, quality=True
) -> int:
    from latentlab.cli_progress import ProgressPrinter, stop_once
    from latentlab.png_files import write_png
    from latentlab.record_text import format_duration, format_losses
    from latentlab.training import (
        EpochFinished,
        PreviewGrids,
        StepProgress,
        Trainer,
        TrainingFinished,
        describe_device,
    )

    trainer = Trainer(
        model_config,
        train_config,
        dataset,
        dataset_info=info,
        run_dir=run_dir,
        control=control,
        resume=checkpoint,
    )
    print(
        f"Training a {model_config.kind} ({model_config.architecture}, latent "
        f"{model_config.latent_dim}) on {dataset.name}: {int((~dataset.test_mask).sum()):,} "
        f"training images {dataset.image_shape}, {train_config.epochs} epochs of "
        f"{trainer.steps_per_epoch} steps, on {describe_device(trainer.device)}"
        + (" with bf16 autocast" if trainer.autocast_to is not None else "")
        + (", dynamically binarized" if train_config.binarize else "")
    )
    # First Ctrl-C: stop cleanly between steps and save; a second one interrupts at once.
    previous = signal.signal(signal.SIGINT, lambda *_: stop_once(control, previous))
    printer = ProgressPrinter()
    started = time.perf_counter()
    last_preview: PreviewGrids | None = None
    finished: TrainingFinished | None = None
    try:
        watch = _run_watch(trainer, dataset, control, judge_samples=quality)
        for record in trainer.run():
            if isinstance(record, StepProgress):
                printer.step(record)
            elif isinstance(record, EpochFinished):
                printer.epoch(record)
            elif isinstance(record, PreviewGrids):
                last_preview = record
            elif isinstance(record, TrainingFinished):
                finished = record
            for found in watch.observe(record) if watch is not None else ():
                printer.note(found)
    finally:
        signal.signal(signal.SIGINT, previous)
        printer.end_line()

    assert finished is not None
    checkpoint_path = trainer.save(run_dir / "checkpoint.safetensors")
    if last_preview is None:
        last_preview = trainer.previews()
    samples = write_png(last_preview.samples, run_dir / "samples.png", scale=4)
    print(finished.message)
    print(f"final losses: {format_losses(finished.losses)}")
    print(f"time: {format_duration(time.perf_counter() - started)}")
    print(f"checkpoint: {checkpoint_path}")
    print(f"samples: {samples}")
    if last_preview.reconstructions is not None:
        recon = write_png(last_preview.reconstructions, run_dir / "reconstructions.png", scale=4)
        print(f"reconstructions: {recon}")
    if finished.status == "stopped":
        print(f"resume with: latentlab train --resume {checkpoint_path}")
    return 1 if finished.status == "failed" else 0


def _run_watch(trainer, dataset, control, judge_samples: bool):
    """``prepare_run_watch`` (the app's too), saying once when it trains the classifier."""
    from latentlab.training import prepare_run_watch

    steps = prepare_run_watch(
        trainer, dataset, judge_samples=judge_samples, should_stop=lambda: control.stop_requested
    )
    said = False
    try:
        while True:
            next(steps)
            if not said:
                print("training the domain classifier that judges the samples (once per dataset)")
                said = True
    except StopIteration as done:
        watch = done.value
    if watch is not None and judge_samples and dataset.labels is None:
        print("no sample quality per epoch: the dataset has no labels to train a classifier on")
    return watch


def run_info(args: argparse.Namespace) -> int:
    from latentlab.training import CheckpointError, load_checkpoint
    from latentlab.training.checkpoint import training_position

    try:  # the whole file is checked (tensors too), so a broken one is never "fine"
        meta = load_checkpoint(args.checkpoint).metadata
    except CheckpointError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(meta, indent=2))
        return 0
    model, data, training = meta["model"], meta["dataset"], meta["training"]
    config = model["config"]
    c, h, w = meta["image_shape"]
    classes = data.get("class_names") or []
    lines = [
        f"checkpoint     {args.checkpoint}",
        f"model          {model['kind']} ({config['architecture']}), latent dim "
        f"{config['latent_dim']}",
        f"images         {h}×{w}×{c}",
        f"dataset        {data['name']}"
        + (
            f" ({len(classes)} classes: {', '.join(classes[:10])}"
            + (", ..." if len(classes) > 10 else "")
            + ")"
            if classes
            else ""
        ),
        "trained        "
        + training_position(training["epoch"], training["step_in_epoch"], training["global_step"])
        + (
            ", on dynamically binarized images"
            if (training.get("train_config") or {}).get("binarize")
            else ""
        ),
        f"losses         {' '.join(f'{k} {v:.4g}' for k, v in training['losses'].items())}",
        f"resumable      {'yes' if meta.get('optimizers') else 'no (weights only)'}",
        f"written by     LatentLab {meta['latentlab_version']}, format "
        f"{meta['format_version']}, {meta.get('created', '?')}",
    ]
    if config["kind"] in MODEL_KINDS and MODEL_KINDS.get(config["kind"]).variational:
        lines.insert(
            2,
            f"VAE            beta {config['beta']}, KL annealing over "
            f"{config['kl_anneal_epochs']} epochs",
        )
    print("\n".join(lines))
    return 0


# -- eval -----------------------------------------------------------------------------------------


def _add_eval_parser(sub) -> None:
    from latentlab.training.evaluation import (
        DEFAULT_BUDGET_SECONDS,
        DEFAULT_FD_SAMPLES,
        PAPER_K,
    )

    ev = sub.add_parser(
        "eval",
        help="measure a checkpoint: ELBO, IWAE likelihood bound, Fréchet distance",
        description="Measure a checkpoint on its dataset's test split. VAEs: the ELBO, its "
        "reconstruction and KL terms, the importance-weighted (IWAE) bound on the negative "
        "log-likelihood, active units, reconstruction errors. VAEs and GANs: the Fréchet "
        "distance between domain-classifier features of generated and real test images. "
        "What is not given of --k and --max-images is chosen to fit --budget, from the "
        "measured speed of a first chunk; the output says what was chosen.",
    )
    ev.add_argument("checkpoint")
    ev.add_argument("--dataset", help="dataset spec (default: the one the model was trained on)")
    ev.add_argument("--data-root", help="folder of downloaded datasets (default: as trained)")
    ev.add_argument(
        "--k",
        type=int,
        help="VAE: importance samples of the IWAE bound (default: chosen by --budget; a "
        f"smaller k gives a looser bound; papers use {PAPER_K})",
    )
    ev.add_argument(
        "--max-images",
        type=_image_count,
        metavar="N|all",
        help="the first N test images, or all (default for VAEs: chosen by --budget, all when "
        "it fits; fewer are not comparable with papers)",
    )
    ev.add_argument(
        "--budget",
        type=float,
        default=DEFAULT_BUDGET_SECONDS,
        metavar="SECONDS",
        help=f"VAE: seconds for the IWAE pass (default: {DEFAULT_BUDGET_SECONDS:g}); k and the "
        "test images not given are chosen to fit, from the measured speed of a first chunk",
    )
    ev.add_argument(
        "--paper",
        action="store_true",
        help=f"VAE: the paper setting, k = {PAPER_K} on all test images (Burda et al. 2016), "
        "whatever the time; the same as --k 5000 --max-images all",
    )
    ev.add_argument(
        "--fd-samples",
        type=int,
        default=DEFAULT_FD_SAMPLES,
        help=f"generated and real images for the Fréchet distance (default: {DEFAULT_FD_SAMPLES:,}"
        ", capped at the test images; 0 skips it)",
    )
    ev.add_argument(
        "--binarize",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="VAE: binarize the test images once with a fixed seed, so the Bernoulli likelihood "
        "is a proper one (default: when the model was trained with --binarize)",
    )
    ev.add_argument("--seed", type=int, default=0, help="seed of the samples drawn")
    ev.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, mps")
    ev.add_argument("--json", action="store_true", help="print the numbers as JSON")
    ev.set_defaults(run=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    from latentlab.cli_progress import EvaluationPrinter
    from latentlab.data import DatasetError
    from latentlab.training import CheckpointError, load_checkpoint, pick_device
    from latentlab.training.data_source import reopen_dataset
    from latentlab.training.evaluation import (
        PAPER_K,
        Evaluation,
        EvaluationError,
        EvaluationStopped,
        evaluate,
    )

    k, max_images = args.k, args.max_images
    if args.paper:
        if k is not None or max_images is not None:
            print(
                "error: --paper is k = 5000 on all test images; leave out --k and --max-images",
                file=sys.stderr,
            )
            return 2
        k, max_images = PAPER_K, ALL_IMAGES
    # First Ctrl-C: stop between chunks (EvaluationStopped); a second one interrupts at once.
    stopped: list[bool] = []
    previous = signal.signal(signal.SIGINT, lambda *_: _stop_eval(stopped, previous))
    try:
        checkpoint = load_checkpoint(args.checkpoint, device=pick_device(args.device))
        # Shaped as the model was trained: the same size and colour conversion.
        dataset = reopen_dataset(checkpoint.dataset, spec=args.dataset, data_root=args.data_root)
        n_test = int(dataset.test_mask.sum())
        steps = evaluate(
            checkpoint,
            dataset,
            k=k,
            max_images=n_test if max_images == ALL_IMAGES else max_images,
            budget_seconds=args.budget,
            binarize=args.binarize,
            fd_samples=args.fd_samples,
            seed=args.seed,
            should_stop=lambda: bool(stopped),
        )
        result = EvaluationPrinter().run(steps)
    except EvaluationStopped:
        print("evaluation stopped; nothing measured", file=sys.stderr)
        return 1
    except (DatasetError, CheckpointError, ConfigError, EvaluationError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGINT, previous)
    assert isinstance(result, Evaluation)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(format_evaluation(result, args.checkpoint, checkpoint.model_config))
    return 0


ALL_IMAGES = -1  # --max-images all


def _image_count(text: str) -> int:
    if text.strip().lower() == "all":
        return ALL_IMAGES
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number of images or 'all', not {text!r}") from None


def _stop_eval(stopped: list[bool], previous) -> None:
    print("\nstopping (Ctrl-C again to abort)...", file=sys.stderr)
    stopped.append(True)
    signal.signal(signal.SIGINT, previous)


def format_evaluation(result, checkpoint_path: str, model_config: ModelConfig) -> str:
    """The readable table ``latentlab eval`` prints."""
    from latentlab.training.evaluation import PAPER_K

    r = result
    binarized = f", binarized once (seed {r.binarize_seed})" if r.binarized else ", grey"
    lines = [
        f"checkpoint       {checkpoint_path}",
        f"model            {r.model_kind} ({model_config.architecture}), latent dim {r.latent_dim}",
        f"test images      {r.n_images:,} of {r.n_test_images:,} ({r.dataset})"
        + (binarized if r.nll_iwae is not None else ""),
    ]
    if r.plan is not None:
        lines.append(f"settings         {_settings_text(r.plan)}")
    if r.nll_iwae is not None:
        lines += [
            f"-ELBO            {r.negative_elbo:.2f} nats  (reconstruction {r.reconstruction:.2f}"
            f" + KL {r.kl:.2f})",
            f"NLL (IWAE)       {r.nll_iwae:.2f} nats  (k = {r.iwae_k:,}"
            + (f", looser than at the papers' k = {PAPER_K:,}" if r.iwae_k < PAPER_K else "")
            + f"; standard error {r.nll_iwae_stderr:.2f})",
            f"active units     {r.active_units} / {r.latent_dim}  (Var_x E[z_d] > 0.01)",
        ]
    if r.mse_per_image is not None:
        worst = ", ".join(str(i) for i in r.mse_worst_indices(5))
        lines.append(
            f"reconstruction   MSE {r.mse_mean:.4f} per pixel, mean over images; worst: {worst}"
        )
    if r.frechet_distance is not None:
        lines.append(
            f"Fréchet distance {r.frechet_distance:.2f}  (domain-classifier features, "
            f"{r.fd_samples:,} samples vs {r.fd_samples:,} test images)"
        )
        if r.fd_train_vs_test is not None:
            lines.append(
                f"  reference      {r.fd_train_vs_test:.2f}  (training images vs the test images)"
            )
        lines.append(f"classifier       {r.classifier_test_accuracy:.1%} test accuracy")
    elif r.model_kind != "ae":
        lines.append("Fréchet distance not measured (unlabelled dataset, or --fd-samples 0)")
    lines.append(f"time             {r.seconds:.1f} s")
    if r.note:
        lines.append(f"note: {r.note}")
    return "\n".join(lines)


def _settings_text(plan) -> str:
    """The plan's sentence, with the flag that gives the paper setting."""
    text = plan.text()
    if not plan.paper_setting:
        text += " (--paper)"
    return text
