"""Do the synthetic datasets load with torchvision's own classes, pixel for pixel?"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision.datasets as tvd

from grader.datasets import KNOWN, dataset_root, require
from grader.datasets.cifar import CIFAR10Offline, cifar_rows, write_cifar10_like
from grader.datasets.idx import idx_bytes, read_idx, write_mnist_like
from grader.datasets.imagefolder import folder_names, write_imagefolder
from grader.datasets.make import main as make_main
from grader.datasets.roots import env_var
from grader.datasets.shapes import class_names, draw_shapes, draw_shapes_gray, load_shapes
from grader.errors import MaterialError


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _nearest_centroid_accuracy(features: np.ndarray, labels: np.ndarray, n_train: int) -> float:
    """Accuracy on features[n_train:] of the class means of features[:n_train] (N, D)."""
    classes = np.arange(labels.max() + 1)
    centroids = np.stack([features[:n_train][labels[:n_train] == k].mean(axis=0) for k in classes])
    # (T, 1, D) - (1, K, D) -> (T, K)
    distances = ((features[n_train:, None, :] - centroids[None]) ** 2).sum(axis=-1)
    return float((distances.argmin(axis=1) == labels[n_train:]).mean())


def _spectrum(grey: np.ndarray) -> np.ndarray:
    """Translation-invariant features (N, H*W): log magnitude of the 2-D FFT of (N, H, W)."""
    centred = grey - grey.mean(axis=(1, 2), keepdims=True)
    return np.log1p(np.abs(np.fft.fft2(centred))).reshape(len(grey), -1)


# --- MNIST / FashionMNIST ---------------------------------------------------------------


def test_idx_round_trip(tmp_path: Path) -> None:
    """Does an IDX file hold magic 0x00000803, big-endian sizes, and read back the same array?"""
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "x-idx3-ubyte"
    path.write_bytes(idx_bytes(array))
    assert path.read_bytes()[:16] == bytes.fromhex("00000803 00000002 00000003 00000004")
    assert np.array_equal(read_idx(path), array)
    with pytest.raises(ValueError, match="given: float64"):
        idx_bytes(np.zeros(3))


@pytest.mark.parametrize("kind", ["MNIST", "FashionMNIST"])
def test_mnist_like_loads_with_torchvision(tmp_path: Path, kind: str) -> None:
    """Does torchvision's MNIST / FashionMNIST class read back exactly what was written?"""
    written = write_mnist_like(tmp_path, kind, n_train=200, n_test=50, seed=1)  # type: ignore[arg-type]
    assert sorted(p.name for p in (tmp_path / kind / "raw").iterdir()) == [
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
    ]
    reader = getattr(tvd, kind)
    for train, split, n in ((True, "train", 200), (False, "test", 50)):
        dataset = reader(tmp_path, train=train, download=False)
        assert len(dataset) == n
        assert np.array_equal(dataset.data.numpy(), written[split].images)
        assert np.array_equal(dataset.targets.numpy(), written[split].labels)
        assert set(dataset.targets.tolist()) == set(range(10))
        for index in (0, n // 2, n - 1):
            image, label = dataset[index]
            assert image.mode == "L" and image.size == (28, 28)
            assert np.array_equal(np.asarray(image), written[split].images[index])
            assert label == written[split].labels[index]


def test_mnist_digits_are_centred_like_mnist(tmp_path: Path) -> None:
    """Do the digits keep MNIST's blank border (at least 2 pixels) and use the full 0-255 range?"""
    images = write_mnist_like(tmp_path, "MNIST", n_train=300, n_test=10)["train"].images
    border = np.ones((28, 28), dtype=bool)
    border[2:-2, 2:-2] = False
    assert images[:, border].max() == 0
    assert images.max() == 255 and images.mean() > 10


# --- CIFAR-10 ---------------------------------------------------------------------------


def test_real_cifar10_refuses_synthetic_batches(tmp_path: Path) -> None:
    """Does torchvision's CIFAR10 check md5s (which is why CIFAR10Offline exists)?"""
    write_cifar10_like(tmp_path, n_per_batch=4, n_test=4)
    with pytest.raises(RuntimeError, match="not found or corrupted"):
        tvd.CIFAR10(tmp_path, download=False)


def test_cifar10_offline_only_blanks_the_checksums() -> None:
    """Is CIFAR10Offline torchvision's class with the same files and no md5, and nothing else?"""
    own = {name for name in vars(CIFAR10Offline) if not name.startswith("__")}
    assert own == {"train_list", "test_list", "meta"}
    assert [name for name, _ in CIFAR10Offline.train_list] == [
        name for name, _ in tvd.CIFAR10.train_list
    ]
    assert all(md5 is None for _, md5 in CIFAR10Offline.train_list + CIFAR10Offline.test_list)
    assert CIFAR10Offline.meta == {**tvd.CIFAR10.meta, "md5": None}


def test_cifar10_like_loads_pixel_for_pixel(tmp_path: Path) -> None:
    """Do the batches load as (N, 32, 32, 3) RGB images with the labels and pixels written?"""
    written = write_cifar10_like(tmp_path, n_per_batch=40, n_test=50, seed=2)
    for train, split, n in ((True, "train", 200), (False, "test", 50)):
        dataset = CIFAR10Offline(tmp_path, train=train, download=False)
        assert len(dataset) == n and dataset.data.shape == (n, 32, 32, 3)
        assert np.array_equal(dataset.data, written[split].images)
        assert dataset.targets == written[split].labels.tolist()
        assert dataset.classes == class_names(10)
        image, label = dataset[7]
        assert image.mode == "RGB" and image.size == (32, 32)
        assert np.array_equal(np.asarray(image), written[split].images[7])
        assert 0 <= label < 10


def test_cifar10_batches_are_python2_style_pickles(tmp_path: Path) -> None:
    """Do the batches read with encoding="bytes" (b"data" keys) as well as "latin1", as CIFAR's do?"""
    written = write_cifar10_like(tmp_path, n_per_batch=6, n_test=5)
    folder = tmp_path / "cifar-10-batches-py"
    with open(folder / "data_batch_2", "rb") as handle:
        raw = pickle.load(handle, encoding="bytes")
    assert set(raw) == {b"batch_label", b"labels", b"data", b"filenames"}
    assert raw[b"batch_label"] == b"training batch 2 of 5"
    assert raw[b"data"].dtype == np.uint8 and raw[b"data"].shape == (6, 3072)
    assert np.array_equal(raw[b"data"], cifar_rows(written["train"].images[6:12]))
    # Row layout: the first 1024 bytes are the red plane, row-major.
    assert np.array_equal(raw[b"data"][0, :1024], written["train"].images[6, :, :, 0].ravel())
    with open(folder / "batches.meta", "rb") as handle:
        meta = pickle.load(handle, encoding="latin1")
    assert meta == {"num_cases_per_batch": 6, "label_names": class_names(10), "num_vis": 3072}


# --- ImageFolder ------------------------------------------------------------------------


def test_imagefolder_loads_in_label_order(tmp_path: Path) -> None:
    """Does ImageFolder find every split, number the classes as written, and read the same PNGs?"""
    written = write_imagefolder(tmp_path, classes=12, n_per_class=8, size=24, seed=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test", "train", "val"]
    for split, per_class in (("train", 8), ("val", 2), ("test", 2)):
        dataset = tvd.ImageFolder(tmp_path / split)
        assert dataset.classes == folder_names(12) and dataset.classes[11] == "11_green_square"
        assert len(dataset) == 12 * per_class
        assert dataset.targets == written[split].labels.tolist()
        for index in (0, len(dataset) - 1):
            image, _ = dataset[index]
            assert image.mode == "RGB" and image.size == (24, 24)
            assert np.array_equal(np.asarray(image), written[split].images[index])


def test_imagefolder_named_classes(tmp_path: Path) -> None:
    """With names given, does each folder hold its class's images whatever order ImageFolder sorts?"""
    names = ["pear", "apple", "milk"]
    written = write_imagefolder(tmp_path, classes=names, n_per_class={"train": 3}, size=16)
    dataset = tvd.ImageFolder(tmp_path / "train")
    assert dataset.classes == sorted(names)
    for k, name in enumerate(names):
        on_disk = [np.asarray(img) for img, t in dataset if t == dataset.class_to_idx[name]]
        expected = written["train"].images[written["train"].labels == k]
        assert np.array_equal(np.stack(on_disk), expected)
    with pytest.raises(ValueError, match="unique folder names"):
        write_imagefolder(tmp_path, classes=["a", "a/b"], n_per_class=1)


# --- Determinism ------------------------------------------------------------------------


def test_writers_are_deterministic_by_seed(tmp_path: Path) -> None:
    """Does the same seed write the same bytes, and another seed other bytes?"""
    digests = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        root = tmp_path / name
        write_mnist_like(root, "MNIST", 30, 10, seed)
        write_mnist_like(root, "FashionMNIST", 30, 10, seed)
        write_cifar10_like(root, 6, 6, seed)
        write_imagefolder(root / "folder", 3, 2, 16, seed)
        digests.append(_tree_digest(root))
    assert digests[0] == digests[1]
    assert digests[0].keys() == digests[2].keys()
    same = [path for path in digests[0] if digests[0][path] == digests[2][path]]
    assert same == ["cifar-10-batches-py/batches.meta"]  # class names only


# --- Shapes -----------------------------------------------------------------------------


def test_draw_shapes_dtype_shape_and_balance() -> None:
    """Are the shapes (N, S, S, 3) uint8 with balanced labels, and bad class counts refused?"""
    images, labels = draw_shapes(105, size=20, seed=0)
    assert images.shape == (105, 20, 20, 3) and images.dtype == np.uint8
    assert labels.dtype == np.int64 and np.bincount(labels).tolist() == [11] * 5 + [10] * 5
    grey, _ = draw_shapes_gray(4, size=28)
    assert grey.shape == (4, 28, 28) and grey.dtype == np.uint8
    with pytest.raises(ValueError, match="given: 81"):
        draw_shapes(10, num_classes=81)


def test_shapes_are_distinguishable_without_training() -> None:
    """Does a nearest-centroid classifier on FFT magnitudes beat chance (10%) by far?"""
    images, labels = draw_shapes(1500, seed=3)
    assert _nearest_centroid_accuracy(_spectrum(images.mean(axis=-1)), labels, 1000) > 0.45
    grey, grey_labels = draw_shapes_gray(1500, seed=3)
    assert _nearest_centroid_accuracy(_spectrum(grey.astype(float)), grey_labels, 1000) > 0.7


def test_shape_colour_classes_are_distinguishable() -> None:
    """With 43 (colour, shape) classes, do spectrum plus foreground colour beat chance (2.3%)?"""
    assert len(set(class_names(43))) == 43 and class_names(43)[42] == "magenta triangle"
    images, labels = draw_shapes(43 * 40, seed=4, num_classes=43)
    pixels = images.reshape(len(images), -1, 3).astype(float)
    brightest = np.take_along_axis(pixels, pixels.sum(-1).argsort(axis=1)[:, -40:, None], axis=1)
    # (N, 3): the shape's colour, scaled down to weigh about as much as the spectrum
    colour = brightest.mean(axis=1) / 20
    features = np.concatenate([_spectrum(images.mean(axis=-1)), colour], axis=1)
    assert _nearest_centroid_accuracy(features, labels, 43 * 30) > 0.3


def test_shapes_in_known_are_cached_and_read_only() -> None:
    """Does "shapes-32" load 2,000 + 500 read-only images once per process?"""
    require(["shapes-32"])
    shapes = KNOWN["shapes-32"]()
    assert shapes is load_shapes()
    assert shapes.train_x.shape == (2000, 32, 32, 3) and shapes.test_y.shape == (500,)
    assert not shapes.train_x.flags.writeable


@pytest.mark.slow
def test_shapes_learnable_by_lenet_in_seconds() -> None:
    """Does a LeNet-style CNN trained for 8 epochs on 2,000 shapes clearly beat 10%?

    Fixed epochs, not a time budget, so a busy machine cannot make it fail (8 epochs took
    about 5 s on 2 idle cores)."""
    torch.manual_seed(0)
    shapes = load_shapes()
    x = torch.tensor(shapes.train_x).permute(0, 3, 1, 2).float() / 255  # (N, 3, 32, 32)
    test_x = torch.tensor(shapes.test_x).permute(0, 3, 1, 2).float() / 255
    y = torch.tensor(shapes.train_y)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32 * 8 * 8, 120), torch.nn.ReLU(),
        torch.nn.Linear(120, 10),
    )  # fmt: skip
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(8):
        for batch in torch.randperm(len(x)).split(64):
            loss = torch.nn.functional.cross_entropy(net(x[batch] - 0.5), y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    with torch.no_grad():
        accuracy = (net(test_x - 0.5).argmax(1).numpy() == shapes.test_y).mean()
    assert accuracy > 0.6


# --- Roots ------------------------------------------------------------------------------


@pytest.fixture
def no_data_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("GRADER_DATA", "GRADER_DATA_CIFAR10", "GRADER_DATA_MNIST", "GRADER_DATA_GROCERY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_root_order_configured_then_own_variable_then_shared(
    tmp_path: Path, no_data_env: pytest.MonkeyPatch
) -> None:
    """Is the configured root used first, then $GRADER_DATA_<NAME>, then $GRADER_DATA/<name>?"""
    for folder in ("configured", "own", "shared/cifar10"):
        write_cifar10_like(tmp_path / folder, n_per_batch=2, n_test=2)
    no_data_env.setenv("GRADER_DATA", str(tmp_path / "shared"))
    assert dataset_root("cifar10") == tmp_path / "shared" / "cifar10"
    no_data_env.setenv("GRADER_DATA_CIFAR10", str(tmp_path / "own"))
    assert dataset_root("cifar10") == tmp_path / "own"
    assert dataset_root("cifar10", configured=tmp_path / "configured") == tmp_path / "configured"
    assert env_var("fashion-mnist") == "GRADER_DATA_FASHION_MNIST"


def test_missing_dataset_names_path_layout_and_fix(
    tmp_path: Path, no_data_env: pytest.MonkeyPatch
) -> None:
    """Does a missing dataset fail with the expected path, the layout, and how to fix it?"""
    with pytest.raises(MaterialError) as caught:
        dataset_root("cifar10", configured=tmp_path)
    message = str(caught.value)
    expected = tmp_path / "cifar-10-batches-py" / "data_batch_1"
    assert f"CIFAR-10 not found: expected {expected} and 6 more" in message
    assert "torchvision CIFAR10 layout, download=False" in message
    assert "set GRADER_DATA_CIFAR10" in message
    assert "python -m grader.datasets.make cifar10 DIR" in message

    with pytest.raises(MaterialError, match=r"MNIST not found: no root is configured"):
        require(["torchvision-mnist"])
    no_data_env.setenv("GRADER_DATA", str(tmp_path))
    with pytest.raises(MaterialError, match=r"expected .*grocery/train/ .*ImageFolder layout"):
        dataset_root("grocery")


def test_make_cli_writes_a_dataset_the_roots_accept(
    tmp_path: Path, no_data_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Does `python -m grader.datasets.make` write datasets that dataset_root and torchvision accept?"""
    assert make_main(["mnist", str(tmp_path), "--n", "20", "--n-test", "10"]) == 0
    assert f"export GRADER_DATA_MNIST={tmp_path.resolve()}" in capsys.readouterr().out
    no_data_env.setenv("GRADER_DATA_MNIST", str(tmp_path))
    require(["torchvision-mnist"])
    assert len(tvd.MNIST(dataset_root("mnist"), train=False)) == 10

    assert make_main(["imagefolder", str(tmp_path / "grocery"), "--classes", "43", "--n", "1"]) == 0
    no_data_env.setenv("GRADER_DATA", str(tmp_path))
    assert len(tvd.ImageFolder(dataset_root("grocery") / "val").classes) == 43
    with pytest.raises(SystemExit):
        make_main(["cifar10", str(tmp_path), "--n", "0"])
