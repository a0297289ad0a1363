import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
DATA = (REPO.parent / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def model():
    from models.registry import default_model
    return default_model()


@pytest.fixture(scope="session")
def data_dir():
    if not DATA.is_dir():
        pytest.skip(f"shared data not found at {DATA}")
    return DATA
