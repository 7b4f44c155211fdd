import subprocess
import sys

import numpy as np
import pytest

from ksparse import backend


def test_use_backend_switches_and_restores():
    before = backend.get_backend()
    with backend.use_backend("numpy") as xp:
        assert xp is np
        assert backend.get_backend() == "numpy"
    assert backend.get_backend() == before


@pytest.mark.parametrize("name", ["tensorflow", "", None, 3])
def test_set_backend_rejects_unknown_names(name):
    with pytest.raises(ValueError, match="backend must be one of"):
        backend.set_backend(name)


def test_environment_variable_is_validated(monkeypatch):
    monkeypatch.setitem(backend._state, "name", None)
    monkeypatch.setenv("KSPARSE_BACKEND", "torch")
    with pytest.raises(ValueError, match="KSPARSE_BACKEND must be one of"):
        backend.get_backend()


@pytest.mark.parametrize("value", ["numpy", "NumPy", "auto"])
def test_environment_variable_numpy_or_auto_without_gpu(monkeypatch, value):
    monkeypatch.setitem(backend._state, "name", None)
    monkeypatch.setenv("KSPARSE_BACKEND", value)
    expected = "cupy" if value == "auto" and backend.cupy_available() else "numpy"
    assert backend.get_backend() == expected


@pytest.mark.skipif(backend.cupy_available(), reason="this machine has a usable GPU")
def test_asking_for_cupy_without_gpu_names_the_extra():
    with pytest.raises(RuntimeError, match=r"pip install \"\.\[gpu\]\""):
        backend.set_backend("cupy")
    assert backend.get_backend() == "numpy"  # the failed switch changed nothing


@pytest.fixture
def without_cupy(monkeypatch):
    """CuPy made unimportable (None in sys.modules), whether or not this machine has it."""
    monkeypatch.setitem(sys.modules, "cupy", None)
    monkeypatch.setattr(backend, "_cupy_probe", {})  # forget an earlier probe
    monkeypatch.setitem(backend._state, "name", None)  # read KSPARSE_BACKEND afresh


@pytest.mark.parametrize("value", ["cupy", "CuPy"])
def test_asking_for_cupy_in_the_environment_names_the_variable_and_its_values(
        without_cupy, monkeypatch, value):
    monkeypatch.setenv("KSPARSE_BACKEND", value)
    pattern = (rf"KSPARSE_BACKEND is '{value}': The CuPy backend is unusable here "
               r"\(ModuleNotFoundError.*KSPARSE_BACKEND accepts 'auto', 'numpy', 'cupy'")
    with pytest.raises(RuntimeError, match=pattern):
        backend.get_backend()
    assert backend._state["name"] is None  # nothing chosen: the next call says it again
    with pytest.raises(RuntimeError, match="KSPARSE_BACKEND accepts"):
        backend.get_xp()


def test_auto_falls_back_to_numpy_without_cupy(without_cupy, monkeypatch):
    monkeypatch.setenv("KSPARSE_BACKEND", "auto")
    assert backend.get_backend() == "numpy"


def test_get_array_module_of_numpy_and_scalars():
    assert backend.get_array_module(np.zeros(3)) is np
    assert backend.get_array_module(1.0, [1, 2]) is np


def test_to_numpy_and_to_device_round_trip():
    a = np.arange(6.0).reshape(2, 3)
    assert backend.to_device(a, np) is a
    assert np.array_equal(backend.to_numpy(backend.to_device(a)), a)


def test_default_rng_is_seeded():
    a = backend.default_rng(7).standard_normal(5)
    b = backend.default_rng(7).standard_normal(5)
    c = backend.default_rng(8).standard_normal(5)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_import_is_silent_and_does_not_import_cupy():
    code = "import sys, ksparse; print('cupy' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout == "False\n"
    assert out.stderr == ""
