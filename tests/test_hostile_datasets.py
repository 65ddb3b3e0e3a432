"""Datasets from strangers (#22): folders and arrays that hung, ate memory or raised
tracebacks now load (with what was skipped said) or are refused with one clear line."""

from __future__ import annotations

import io
import os
import warnings

import numpy as np
import pytest
from hostile_files import png_claiming
from PIL import Image

from latentlab.data import DatasetError, DatasetWarning, load_dataset

pytestmark = pytest.mark.usefixtures("no_network")


def _picture(path, size=(16, 16), value=128):
    Image.new("L", size, value).save(path)


def test_a_fifo_named_like_a_picture_is_not_read(tmp_path):
    """It hung forever: opening a FIFO for reading waits for a writer."""
    for i in range(3):
        _picture(tmp_path / f"{i}.png")
    os.mkfifo(tmp_path / "pipe.png")
    images = load_dataset(f"folder:{tmp_path}", image_size=16)
    assert len(images) == 3


def test_a_bomb_in_a_folder_is_skipped_with_a_reason(tmp_path):
    """A 12000×12000 PNG was decoded (432 MB) with only Pillow's raw warning; it is now
    skipped before decoding, and said so with the other skipped files."""
    for i in range(3):
        _picture(tmp_path / f"{i}.png")
    (tmp_path / "huge.png").write_bytes(png_claiming(12_000, 12_000))
    with warnings.catch_warnings(record=True) as caught:  # the filters as the app has them,
        warnings.simplefilter("always", DatasetWarning)  # and ours however often seen before
        images = load_dataset(f"folder:{tmp_path}", image_size=16)
    assert len(images) == 3
    said = [str(w.message) for w in caught if issubclass(w.category, DatasetWarning)]
    assert len(said) == 1 and "huge.png (too large to decode" in said[0]


def test_sparse_labels_become_the_classes_that_occur(tmp_path):
    """Labels up to 10^9 built a billion class names (45 s, 7.3 GB, then MemoryError)."""
    path = tmp_path / "sparse.npz"
    labels = np.array([7, 1_000_000_000, 7, 42] * 5)
    np.savez(path, images=np.zeros((20, 8, 8), np.uint8), labels=labels)
    images = load_dataset(f"npz:{path}")
    assert images.class_names == ("7", "42", "1000000000")
    assert images.labels.tolist()[:4] == [0, 2, 0, 1]


def test_too_many_classes_are_refused(tmp_path):
    path = tmp_path / "ids.npz"
    np.savez(path, images=np.zeros((20_001, 8, 8), np.uint8), labels=np.arange(20_001) * 3)
    with pytest.raises(DatasetError, match="20,001 different classes"):
        load_dataset(f"npz:{path}")


def test_an_npy_claiming_a_trillion_elements_is_refused_before_allocating(tmp_path):
    """It tried to allocate 931 GiB."""
    path = tmp_path / "liar.npy"
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "|u1", "fortran_order": False, "shape": (10**6, 1000, 1000)}
    )
    path.write_bytes(buffer.getvalue() + b"\0" * 1000)  # the header, then 1 kB
    with pytest.raises(DatasetError, match="claims 931 GiB"):
        load_dataset(f"npz:{path}")


def test_an_npz_member_claiming_more_than_it_holds_is_refused(tmp_path):
    import zipfile

    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "|u1", "fortran_order": False, "shape": (1000, 64, 64)}
    )
    member = buffer.getvalue() + b"\0" * 100
    path = tmp_path / "liar.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("images.npy", member)
    with pytest.raises(DatasetError, match="damaged or truncated"):
        load_dataset(f"npz:{path}")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.write_bytes(b""), "is empty"),
        (lambda p: np.savez(p), "holds no arrays"),
    ],
    ids=["zero-bytes", "no-arrays"],
)
def test_an_empty_npz_says_so_not_pickle(tmp_path, make, reason):
    """An empty file got the misleading "If it is a pickle..." message."""
    path = tmp_path / "empty.npz"
    make(path)
    with pytest.raises(DatasetError, match=reason) as refused:
        load_dataset(f"npz:{path}")
    assert "pickle" not in str(refused.value)


def test_one_pixel_images_get_a_message_not_a_traceback(tmp_path):
    path = tmp_path / "dots.npz"
    np.savez(path, images=np.zeros((30, 1, 1), np.uint8))
    with pytest.raises(DatasetError, match="1×1 pixels; LatentLab needs at least 8×8"):
        load_dataset(f"npz:{path}")


def test_an_all_test_split_gets_a_message_not_a_traceback(tmp_path):
    path = tmp_path / "all_test.npz"
    np.savez(path, images=np.zeros((30, 8, 8), np.uint8), test_mask=np.ones(30, bool))
    with pytest.raises(DatasetError, match="none are left to train on"):
        load_dataset(f"npz:{path}")


def test_the_bomb_filter_does_not_hide_other_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn("something else", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["something else"]


def test_a_pytorch_file_given_as_npz_says_so(tmp_path):
    """Found by the monkey: torch.save writes a zip, whose members NumPy hands back as bytes
    ("'bytes' object has no attribute 'ndim'")."""
    import torch

    path = tmp_path / "weights.pt"
    torch.save({"w": torch.zeros(2)}, path)
    with pytest.raises(DatasetError, match="zip file without NumPy arrays"):
        load_dataset(f"npz:{path}")
    path.write_bytes(b"")  # and a zip holding only other files
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "not an array")
    with pytest.raises(DatasetError, match="zip file without NumPy arrays"):
        load_dataset(f"npz:{path}")


def test_the_hostile_latents_and_datasets_stay_within_100_mb(tmp_path):
    """Peak memory of a fresh process that reads every hostile latent PNG and array file
    (before: 10^6 frames took ~700 MB, an .npy header claiming 10^12 elements 931 GiB)."""
    import subprocess
    import sys

    from hostile_files import hostile_latent_pngs

    latents = hostile_latent_pngs(tmp_path)
    big_strip = '{"format_version": 1, "latent": [1], "frames": [' + ",".join(["[1]"] * 10**6)
    liar = tmp_path / "liar.npy"
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "|u1", "fortran_order": False, "shape": (10**6, 1000, 1000)}
    )
    liar.write_bytes(header.getvalue() + b"\0" * 1000)
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_itxt("latentlab", big_strip + "]}")
    strip = tmp_path / "million-frames.png"
    Image.new("L", (4, 4)).save(strip, pnginfo=info)
    script = (
        "import resource, sys\n"
        "from latentlab.data import DatasetError, load_dataset\n"
        "from latentlab.latent.provenance import ProvenanceError, read_provenance\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "for path in sys.argv[2:]:\n"
        "    try:\n"
        "        read_provenance(path)\n"
        "    except ProvenanceError:\n"
        "        pass\n"
        "try:\n"
        "    load_dataset('npz:' + sys.argv[1])\n"
        "except DatasetError:\n"
        "    pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    paths = [str(p) for p in (*latents, strip)]
    done = subprocess.run(
        [sys.executable, "-c", script, str(liar), *paths],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    grown_kb = int(done.stdout.strip())
    assert grown_kb < 100 * 1024, f"peak memory grew by {grown_kb / 1024:.0f} MB"
