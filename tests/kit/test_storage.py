"""Conformance suite for the file stores: the folder and a real S3-compatible server (moto's,
started here) behave the same."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiobotocore.session import get_session
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from atrium.kit.storage import (
    FileStore,
    FolderStore,
    ObjectMissing,
    S3Store,
    object_key,
    open_file_store,
)
from atrium.settings import Settings

_CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing-secret"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        # stop() shuts the loop down but leaves the listening socket open.
        if server._server is not None:
            server._server.server_close()


async def _create_bucket(endpoint: str, bucket: str) -> None:
    async with get_session().create_client(
        "s3",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id=_CREDENTIALS["access_key_id"],
        aws_secret_access_key=_CREDENTIALS["secret_access_key"],
    ) as client:
        await client.create_bucket(Bucket=bucket)


@pytest.fixture(params=["folder", "s3"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, s3_endpoint: str
) -> AsyncIterator[FileStore]:
    backend: FileStore
    if request.param == "folder":
        backend = FolderStore(tmp_path / "store")
    else:
        bucket = f"atrium-{uuid.uuid4().hex[:12]}"
        await _create_bucket(s3_endpoint, bucket)
        backend = S3Store(bucket=bucket, endpoint_url=s3_endpoint, **_CREDENTIALS)
    try:
        yield backend
    finally:
        await backend.close()


@pytest.mark.parametrize(
    "data",
    [b"", bytes(range(256)) * 4, os.urandom(5 * 1024 * 1024)],
    ids=["empty", "every-byte", "5MB"],
)
async def test_put_get_round_trip(store: FileStore, data: bytes) -> None:
    key = object_key(uuid.uuid4(), "files", uuid.uuid4().hex)
    await store.put(key, data, content_type="application/pdf")
    assert await store.get(key) == data
    assert await store.exists(key)


async def test_put_overwrites(store: FileStore) -> None:
    key = object_key(uuid.uuid4(), "files", "doc")
    await store.put(key, b"first version, longer than the second")
    await store.put(key, b"second")
    assert await store.get(key) == b"second"


async def test_get_missing_is_object_missing(store: FileStore) -> None:
    with pytest.raises(ObjectMissing) as caught:
        await store.get(object_key(uuid.uuid4(), "files", "nothing"))
    assert caught.value.status_code == 404
    assert caught.value.code == "object_missing"


async def test_exists(store: FileStore) -> None:
    tenant = uuid.uuid4()
    key = object_key(tenant, "files", "a")
    assert not await store.exists(key)
    await store.put(key, b"x")
    assert await store.exists(key)
    # a folder-like prefix is not an object
    assert not await store.exists(object_key(tenant, "files"))


async def test_delete_is_idempotent(store: FileStore) -> None:
    key = object_key(uuid.uuid4(), "files", "a")
    await store.delete(key)  # never there
    await store.put(key, b"x")
    await store.delete(key)
    assert not await store.exists(key)
    await store.delete(key)
    with pytest.raises(ObjectMissing):
        await store.get(key)


async def test_delete_prefix_removes_exactly_that_prefix(store: FileStore) -> None:
    mine, other = uuid.uuid4(), uuid.uuid4()
    base = uuid.uuid4().hex
    my_keys = [
        object_key(mine, "kb", base, "f1"),
        object_key(mine, "kb", base, "f2"),
        object_key(mine, "threads", "t1", "f3"),
    ]
    other_keys = [object_key(other, "kb", base, "f1"), object_key(other, "x")]
    for key in my_keys + other_keys:
        await store.put(key, key.encode())

    assert await store.delete_prefix(object_key(mine)) == 3
    for key in my_keys:
        assert not await store.exists(key)
    for key in other_keys:
        assert await store.get(key) == key.encode()
    assert await store.delete_prefix(object_key(mine)) == 0


async def test_delete_prefix_is_a_folder_not_a_string_prefix(store: FileStore) -> None:
    tenant = uuid.uuid4()
    inside = object_key(tenant, "kb", "b1", "f")
    beside = object_key(tenant, "kb", "b10", "f")
    await store.put(inside, b"1")
    await store.put(beside, b"2")
    # a trailing slash means the same folder
    assert await store.delete_prefix(object_key(tenant, "kb", "b1") + "/") == 1
    assert not await store.exists(inside)
    assert await store.get(beside) == b"2"


@pytest.mark.parametrize(
    "part",
    ["..", ".", "", "a/b", "../etc", "a\\b", "/abs", "x\x00", "ü", " a", "a b", "%2e%2e/x"],
)
def test_object_key_refuses_path_tricks(part: str) -> None:
    with pytest.raises(ValueError, match="key part"):
        object_key(uuid.uuid4(), "files", part)


def test_object_key_shape() -> None:
    tenant = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert object_key(tenant, "kb", "x-1_2.pdf") == (
        "tenants/12345678-1234-5678-1234-567812345678/kb/x-1_2.pdf"
    )
    with pytest.raises(ValueError, match="UUID"):
        object_key(str(tenant), "kb")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "key", ["tenants/../../escape", "tenants//x", "/tenants/x", "tenants/x/", "", "tenants/./x"]
)
async def test_stores_refuse_malformed_keys(store: FileStore, key: str) -> None:
    with pytest.raises(ValueError, match="key"):
        await store.put(key, b"x")
    with pytest.raises(ValueError, match="key"):
        await store.get(key)
    with pytest.raises(ValueError, match="key"):
        await store.delete(key)


def _files_under(folder: Path) -> set[Path]:
    return {Path(d) / name for d, _, names in os.walk(folder) for name in names}


async def test_folder_store_never_writes_outside_its_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    outside.mkdir()
    store = FolderStore(root)
    tenant = uuid.uuid4()
    await store.put(object_key(tenant, "files", "a"), b"inside")
    # a link planted inside the root that points out of it is refused, not followed
    (root / "tenants" / str(tenant) / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ValueError, match="outside"):
        await store.put(object_key(tenant, "link", "evil"), b"x")
    with pytest.raises(ValueError, match="outside"):
        await store.get(object_key(tenant, "link", "evil"))
    with pytest.raises(ValueError, match="outside"):
        await store.delete_prefix(object_key(tenant, "link"))
    for key in ("../escape", "tenants/../../escape", "..", "."):
        with pytest.raises(ValueError, match="key"):
            await store.put(key, b"x")

    assert _files_under(outside) == set()
    assert {p for p in _files_under(tmp_path) if not p.is_relative_to(root)} == set()
    # no temporary file is left beside the object
    assert _files_under(root) == {root / "tenants" / str(tenant) / "files" / "a"}


async def test_folder_store_writes_are_atomic(tmp_path: Path) -> None:
    store = FolderStore(tmp_path / "root")
    key = object_key(uuid.uuid4(), "files", "contended")
    versions = [bytes([n]) * (256 * 1024) for n in range(8)]
    await asyncio.gather(*(store.put(key, data) for data in versions))
    assert await store.get(key) in versions
    assert len(_files_under(tmp_path / "root")) == 1


def test_open_file_store_picks_the_backend(tmp_path: Path) -> None:
    folder = open_file_store(Settings(data_dir=tmp_path))
    assert isinstance(folder, FolderStore)
    assert folder.root == (tmp_path / "files").resolve()

    s3 = open_file_store(
        Settings(
            data_dir=tmp_path,
            s3_bucket="bucket",
            s3_endpoint_url="http://127.0.0.1:9000",
            s3_access_key_id="AKIA",
            s3_secret_access_key=SecretStr("very-secret"),
        )
    )
    assert isinstance(s3, S3Store)
    assert s3.bucket == "bucket"
    assert "very-secret" not in repr(s3)
