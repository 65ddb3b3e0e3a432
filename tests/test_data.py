"""Dataset sources -> ImageSet: built-in digits, idx files, folders of images, .npz files."""

from __future__ import annotations

import gzip
import io
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from latentlab.data import (
    DATASET_NAMES,
    DatasetError,
    DatasetWarning,
    ImageSet,
    default_data_root,
    describe_sources,
    load_dataset,
)
from latentlab.data.resize import convert_channels

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def _needs_shared(folder: str) -> Path:
    raw = SHARED_DATA / folder / "raw"
    if not all((raw / name).is_file() for name in MNIST_FILES):
        pytest.skip(f"{raw} does not hold the {folder} .gz files (only present on dev machines)")
    return SHARED_DATA


def _write_idx(path: Path, array: np.ndarray, *, compress: bool) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    data = header + array.astype(np.uint8).tobytes()
    if compress:
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)


def _tiny_idx_dataset(raw: Path, prefixes: tuple[str, str], labels, *, compress=True) -> None:
    """Train (5 images) and test (2 images) idx files; image i is filled with the value 10*i."""
    raw.mkdir(parents=True)
    rng = np.random.default_rng(1)
    counts = {prefixes[0]: 5, prefixes[1]: 2}
    start = 0
    for prefix, n in counts.items():
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        images[:, 0, 0] = 10 * np.arange(start, start + n)
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", images, compress=compress)
        _write_idx(
            raw / f"{prefix}-labels-idx1-ubyte",
            np.asarray(labels[start : start + n]),
            compress=compress,
        )
        start += n


def _save(path: Path, color, size=(20, 30), mode="RGB", fmt=None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path, format=fmt)


def _only_dataset_warnings(record) -> list[warnings.WarningMessage]:
    return [w for w in record if issubclass(w.category, DatasetWarning)]


# --- digits -----------------------------------------------------------------------------------


def test_digits_is_a_labeled_16x16_gray_set_with_a_fixed_test_split():
    digits = load_dataset("digits")
    assert isinstance(digits, ImageSet)
    assert digits.images.shape == (1797, 1, 16, 16)
    assert digits.images.dtype == torch.uint8
    assert digits.labels.dtype == torch.int64
    assert digits.labels.bincount().tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert digits.class_names == tuple("0123456789")
    assert int(digits.images.min()) == 0 and int(digits.images.max()) == 255
    assert int(digits.test_mask.sum()) == round(0.2 * 1797)
    assert torch.equal(digits.test_mask, load_dataset("digits").test_mask)


def test_digits_upsampling_keeps_the_original_picture():
    from sklearn.datasets import load_digits

    original = torch.from_numpy(load_digits().images).float() * (255 / 16)  # N×8×8
    shrunk = torch.nn.functional.avg_pool2d(load_dataset("digits").images.float(), 2)[:, 0]
    # Bilinear 2× upsampling then 2×2 averaging is a mild blur of the source, not another image.
    assert (shrunk - original).abs().mean() < 30  # a wrong layout scores 60+
    per_image = torch.nn.functional.cosine_similarity(shrunk.flatten(1), original.flatten(1))
    assert per_image.min() > 0.9


def test_image_size_and_channels_apply_to_builtin_sets():
    digits = load_dataset("digits", image_size=28, channels=3)
    assert digits.images.shape == (1797, 3, 28, 28)
    assert torch.equal(digits.images[:, 0], digits.images[:, 2])


def test_bad_options_are_refused_with_a_clear_message():
    with pytest.raises(DatasetError, match="channels must be 1"):
        load_dataset("digits", channels=2)
    with pytest.raises(DatasetError, match="image_size"):
        load_dataset("digits", image_size=0)


# --- MNIST family: shared copies ------------------------------------------------------------


def test_mnist_loads_from_the_read_only_gz_files(tmp_path):
    root = _needs_shared("MNIST")
    before = sorted(p.name for p in (root / "MNIST" / "raw").iterdir())
    mnist = load_dataset("mnist", data_root=root, download=False)
    assert mnist.images.shape == (70_000, 1, 28, 28)
    assert mnist.images.dtype == torch.uint8
    assert int(mnist.test_mask.sum()) == 10_000
    assert not mnist.test_mask[:60_000].any()  # the official split: test images come last
    assert sorted(mnist.labels.unique().tolist()) == list(range(10))
    assert mnist.class_names == tuple("0123456789")
    # The famous first images: a 5 in the training set, a 7 in the test set.
    assert int(mnist.labels[0]) == 5 and int(mnist.labels[60_000]) == 7
    assert int(mnist.images.max()) == 255
    assert sorted(p.name for p in (root / "MNIST" / "raw").iterdir()) == before


def test_fashion_mnist_has_real_class_names():
    root = _needs_shared("FashionMNIST")
    fashion = load_dataset("fashion-mnist", data_root=root, download=False)
    assert len(fashion) == 70_000
    assert fashion.class_names[0] == "T-shirt/top"
    assert fashion.class_names[9] == "Ankle boot"
    assert len(fashion.class_names) == 10


# --- MNIST family: files made here ----------------------------------------------------------


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist", "kmnist"])
def test_missing_files_offline_error_names_files_and_folder(tmp_path, name):
    folder = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST", "kmnist": "KMNIST"}[name]
    with pytest.raises(DatasetError) as info:
        load_dataset(name, data_root=tmp_path, download=False)
    message = str(info.value)
    assert "not found" in message
    assert str(tmp_path / folder / "raw") in message
    for file in MNIST_FILES:
        assert file in message
    assert not (tmp_path / folder).exists()  # download=False writes nothing


def test_partly_present_files_name_the_missing_ones(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    _tiny_idx_dataset(raw, ("train", "t10k"), [0] * 7)
    (raw / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match="incomplete") as info:
        load_dataset("mnist", data_root=tmp_path, download=False)
    assert "t10k-images-idx3-ubyte.gz missing" in str(info.value)


@pytest.mark.parametrize("compress", [True, False], ids=["gz", "extracted"])
def test_idx_files_gz_or_extracted_load_with_official_split(tmp_path, compress):
    labels = [3, 1, 4, 1, 5, 9, 2]
    _tiny_idx_dataset(tmp_path / "MNIST" / "raw", ("train", "t10k"), labels, compress=compress)
    tiny = load_dataset("mnist", data_root=tmp_path, download=False)
    assert tiny.images.shape == (7, 1, 28, 28)
    assert tiny.labels.tolist() == labels
    assert tiny.test_mask.tolist() == [False] * 5 + [True] * 2
    assert tiny.images[:, 0, 0, 0].tolist() == [0, 10, 20, 30, 40, 50, 60]


def test_truncated_idx_file_is_a_clear_error(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    _tiny_idx_dataset(raw, ("train", "t10k"), [0] * 7, compress=False)
    images = raw / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:1000])
    with pytest.raises(DatasetError, match="truncated") as info:
        load_dataset("mnist", data_root=tmp_path, download=False)
    assert str(images) in str(info.value)


def test_corrupt_gz_file_is_a_clear_error(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    _tiny_idx_dataset(raw, ("train", "t10k"), [0] * 7)
    labels = raw / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(labels.read_bytes()[:-12])  # cut-off download
    with pytest.raises(DatasetError, match=r"t10k-labels-idx1-ubyte\.gz"):
        load_dataset("mnist", data_root=tmp_path, download=False)


def test_emnist_letters_are_a_to_z_and_upright(tmp_path):
    labels = [1, 2, 26, 3, 4, 5, 6]  # EMNIST counts letters from 1
    raw = tmp_path / "EMNIST" / "raw"
    _tiny_idx_dataset(raw, ("emnist-letters-train", "emnist-letters-test"), labels)
    stored = np.frombuffer(
        gzip.decompress((raw / "emnist-letters-train-images-idx3-ubyte.gz").read_bytes())[16:],
        dtype=np.uint8,
    ).reshape(5, 28, 28)
    letters = load_dataset("emnist-letters", data_root=tmp_path, download=False)
    assert letters.labels.tolist() == [0, 1, 25, 2, 3, 4, 5]
    assert letters.class_names[0] == "a" and letters.class_names[25] == "z"
    # EMNIST files hold each image transposed; the loader turns them back.
    assert torch.equal(letters.images[:5, 0], torch.from_numpy(stored.transpose(0, 2, 1).copy()))


def test_celeba_keeps_the_official_test_split_and_crops_faces_to_64(tmp_path):
    folder = tmp_path / "celeba"
    names = [f"{i:06d}.jpg" for i in range(1, 6)]
    for i, name in enumerate(names[:4]):
        _save(folder / "img_align_celeba" / name, (50 * i, 80, 80), size=(178, 218))
    # The fifth listed image is missing on disk: skipped with a warning, not a crash.
    (folder / "list_eval_partition.txt").write_text(
        "".join(f"{name} {part}\n" for name, part in zip(names, [0, 0, 1, 2, 2], strict=True))
    )
    with pytest.warns(DatasetWarning, match="Skipped 1 of 5"):
        faces = load_dataset("celeba", data_root=tmp_path, download=False)
    assert faces.images.shape == (4, 3, 64, 64)
    assert faces.labels is None
    assert faces.test_mask.tolist() == [False, False, False, True]
    assert abs(int(faces.images[3, 0, 32, 32]) - 150) <= 3


# --- folder: ----------------------------------------------------------------------------------


def test_folder_with_classes_skips_broken_files_with_one_warning(tmp_path):
    for i in range(3):
        _save(tmp_path / "cats" / f"cat{i}.png", (200, 40, 40))
    _save(tmp_path / "dogs" / "dog0.JPG", (40, 40, 200), fmt="JPEG")
    _save(tmp_path / "dogs" / "dog1.jpeg", (40, 200, 40))
    (tmp_path / "cats" / "broken.png").write_bytes(np.random.default_rng(0).bytes(600))
    jpeg = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(
        jpeg, format="JPEG"
    )
    (tmp_path / "dogs" / "cut.jpg").write_bytes(jpeg.getvalue()[: len(jpeg.getvalue()) // 2])
    (tmp_path / "dogs" / "notes.txt").write_text("not an image")

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        pets = load_dataset(f"folder:{tmp_path}", image_size=32)
    dataset_warnings = _only_dataset_warnings(record)
    assert len(dataset_warnings) == 1
    message = str(dataset_warnings[0].message)
    assert "Skipped 2 of 7" in message
    assert "broken.png" in message and "cut.jpg" in message
    assert dataset_warnings[0].filename == __file__  # points at the caller's line

    assert pets.images.shape == (5, 3, 32, 32)
    assert pets.class_names == ("cats", "dogs")
    assert sorted(pets.labels.tolist()) == [0, 0, 0, 1, 1]
    cat = pets.images[pets.labels == 0][0, :, 16, 16].tolist()
    assert cat == [200, 40, 40]
    assert pets.name == f"folder:{tmp_path.resolve()}"


def test_images_directly_in_the_root_get_a_root_class(tmp_path):
    _save(tmp_path / "loose.png", 128, mode="L")
    _save(tmp_path / "zebras" / "z.png", 128, mode="L")
    mixed = load_dataset(f"folder:{tmp_path}")
    assert mixed.class_names == ("(root)", "zebras")
    assert sorted(mixed.labels.tolist()) == [0, 1]


def test_flat_folder_is_unlabeled_and_center_cropped_to_64(tmp_path):
    wide = np.zeros((30, 90, 3), dtype=np.uint8)
    wide[:, :30] = (255, 0, 0)
    wide[:, 30:60] = (0, 255, 0)
    wide[:, 60:] = (0, 0, 255)
    for i in range(5):
        Image.fromarray(wide).save(tmp_path / f"flag{i}.png")
    flags = load_dataset(f"folder:{tmp_path}")
    assert flags.labels is None
    assert flags.class_names == ()
    assert flags.images.shape == (5, 3, 64, 64)
    # Short side to 64, then the middle kept: only the green band remains.
    # (the outermost columns blend slightly with the neighboring bands when resampled).
    inner = flags.images[:, :, :, 2:-2]
    assert inner[:, 1].min() >= 250 and inner[:, 0].max() <= 5 and inner[:, 2].max() <= 5
    assert int(flags.test_mask.sum()) == 1


def test_grayscale_is_detected_and_color_kept(tmp_path):
    gray_dir, color_dir = tmp_path / "gray", tmp_path / "color"
    _save(gray_dir / "a.png", 90, mode="L")
    _save(gray_dir / "b.png", (70, 70, 70))  # gray content saved as RGB is still gray
    _save(color_dir / "a.png", 90, mode="L")
    _save(color_dir / "b.png", (250, 10, 10))

    gray = load_dataset(f"folder:{gray_dir}", image_size=16)
    assert gray.image_shape == (1, 16, 16)
    assert sorted(gray.images[:, 0, 8, 8].tolist()) == [70, 90]
    color = load_dataset(f"folder:{color_dir}", image_size=16)
    assert color.image_shape == (3, 16, 16)
    forced = load_dataset(f"folder:{color_dir}", image_size=16, channels=1)
    assert forced.image_shape == (1, 16, 16)
    red_as_gray = Image.new("RGB", (1, 1), (250, 10, 10)).convert("L").getpixel((0, 0))
    assert red_as_gray in forced.images[:, 0, 8, 8].tolist()


def test_empty_or_imageless_folder_is_an_error(tmp_path):
    with pytest.raises(DatasetError, match="No images found"):
        load_dataset(f"folder:{tmp_path}")
    (tmp_path / "readme.txt").write_text("hello")
    with pytest.raises(DatasetError, match="No images found"):
        load_dataset(f"folder:{tmp_path}")


def test_folder_of_only_broken_images_is_an_error(tmp_path):
    (tmp_path / "x.png").write_bytes(b"not a png at all")
    with pytest.raises(DatasetError, match="could be read"):
        load_dataset(f"folder:{tmp_path}")


def test_missing_folder_is_an_error(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(DatasetError, match="does not exist") as info:
        load_dataset(f"folder:{missing}")
    assert str(missing) in str(info.value)


# --- npz: -------------------------------------------------------------------------------------


def test_npz_gray_uint8_without_labels(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (10, 12, 12), dtype=np.uint8)
    np.savez(tmp_path / "gray.npz", images=images)
    loaded = load_dataset(f"npz:{tmp_path / 'gray.npz'}")
    assert loaded.images.shape == (10, 1, 12, 12)
    assert torch.equal(loaded.images[:, 0], torch.from_numpy(images))
    assert loaded.labels is None
    assert int(loaded.test_mask.sum()) == 2


def test_npz_float_rgb_with_labels_and_class_names(tmp_path):
    x = np.zeros((4, 8, 8, 3), dtype=np.float32)
    x[..., 0] = 1.0
    x[..., 1] = 0.5
    path = tmp_path / "rgb.npz"
    np.savez(path, x=x, y=np.array([0, 1, 1, 0]), class_names=np.array(["cat", "dog"]))
    loaded = load_dataset(f"npz:{path}")
    assert loaded.images.shape == (4, 3, 8, 8)
    assert loaded.images[0, :, 0, 0].tolist() == [255, 128, 0]
    assert loaded.labels.tolist() == [0, 1, 1, 0]
    assert loaded.class_names == ("cat", "dog")


def test_npz_channels_first_is_accepted(tmp_path):
    images = np.zeros((6, 3, 10, 10), dtype=np.uint8)
    images[:, 2] = 200
    np.savez(tmp_path / "chw.npz", images=images, labels=np.arange(6) % 3)
    loaded = load_dataset(f"npz:{tmp_path / 'chw.npz'}")
    assert loaded.images.shape == (6, 3, 10, 10)
    assert loaded.images[0, :, 5, 5].tolist() == [0, 0, 200]
    assert loaded.class_names == ("0", "1", "2")


def test_npz_float_out_of_range_is_an_error(tmp_path):
    np.savez(tmp_path / "raw.npz", images=np.full((3, 8, 8), 255.0))
    with pytest.raises(DatasetError, match=r"\[0, 1\]"):
        load_dataset(f"npz:{tmp_path / 'raw.npz'}")


def test_npz_with_pickled_objects_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))  # unpickling would create the marker file

    np.savez(tmp_path / "evil.npz", images=np.array([Payload()], dtype=object))
    with pytest.raises(DatasetError, match="pickle"):
        load_dataset(f"npz:{tmp_path / 'evil.npz'}")
    assert not marker.exists()


# --- specs and paths --------------------------------------------------------------------------


def test_unknown_spec_lists_the_valid_ones():
    with pytest.raises(DatasetError, match="Unknown dataset 'mnits'") as info:
        load_dataset("mnits")
    for name in DATASET_NAMES:
        assert name in str(info.value)
    assert "folder:PATH" in str(info.value) and "npz:PATH" in str(info.value)


def test_dataset_names_and_help_cover_every_source():
    assert DATASET_NAMES[0] == "digits"
    expected = {"mnist", "fashion-mnist", "kmnist", "emnist-letters", "cifar10", "svhn", "celeba"}
    assert expected <= set(DATASET_NAMES)
    help_text = describe_sources()
    assert all(name in help_text for name in DATASET_NAMES)


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="Linux cache layout")
def test_default_data_root_follows_env(monkeypatch, tmp_path):
    monkeypatch.delenv("LATENTLAB_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_data_root() == tmp_path / "latentlab" / "datasets"
    monkeypatch.setenv("LATENTLAB_DATA", str(tmp_path / "mine"))
    assert default_data_root() == tmp_path / "mine"


def test_rgb_to_gray_matches_pillow():
    rgb = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    ours = convert_channels(torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous(), 1)
    pillow = np.asarray(Image.fromarray(rgb).convert("L"))
    assert np.array_equal(ours[0, 0].numpy(), pillow)


@pytest.mark.parametrize("name", ["mnist", "celeba"])
def test_downloading_without_torchvision_says_what_to_install(tmp_path, monkeypatch, name):
    """The CPU-only install leaves torchvision out; asking for a download then names it."""
    monkeypatch.setitem(sys.modules, "torchvision", None)  # import torchvision -> ImportError
    monkeypatch.setitem(sys.modules, "torchvision.datasets", None)
    with pytest.raises(DatasetError) as caught:
        load_dataset(name, data_root=tmp_path, download=True)
    message = str(caught.value)
    assert "needs torchvision" in message and "pip install torchvision" in message
    assert str(tmp_path) in message  # and still where to put the files by hand


def test_reading_cifar_without_torchvision_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torchvision", None)
    monkeypatch.setitem(sys.modules, "torchvision.datasets", None)
    with pytest.raises(DatasetError, match="Reading CIFAR-10 needs torchvision"):
        load_dataset("cifar10", data_root=tmp_path, download=False)
